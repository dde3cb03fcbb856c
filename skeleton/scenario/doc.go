// Package scenario holds the service's resilience and load scenarios, each
// a Go test asserting its invariant on a short run (part of go test ./...)
// and a benchmark running the full-size version (make bench):
//
//   - load: 64 keep-alive clients on GET /datos: no errors, p99 within the
//     800 ms SLO, memory bounded;
//   - store outage during ingest and reads: cached answers or 503 with
//     Retry-After (never a 500), /readyz false then true, the subscriber
//     nacks, and afterwards every published event is stored exactly once;
//   - poison messages mixed into valid traffic: each is dead-lettered with
//     its reason, valid throughput is not slowed by more than 10 %;
//   - a slow store (p99 write 2 s): flow control bounds the messages in
//     flight and the heap, and no message is lost;
//   - a fuzz target for the query parameters of GET /datos.
//
// The SIGTERM-mid-ingest scenario needs the binary, so it lives with the
// command's tests (cmd/…/sigterm_ingest_test.go). This package has no
// production code: it wires the real components (pstest with the real
// client, embedded SQLite, the real HTTP handler) with the platform kit's
// fault store (storetest.NewFaultStore).
package scenario
