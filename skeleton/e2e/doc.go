// Package e2e holds the service's end-to-end tests: simulated traffic
// published through the in-process Pub/Sub fake (pstest, real client),
// ingested by the subscriber into the embedded store, read back over HTTP
// from GET /datos, and dead letters read back from their subscription.
//
// It has no production code.
package e2e
