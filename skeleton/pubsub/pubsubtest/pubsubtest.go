// Package pubsubtest starts the ingest path's Pub/Sub resources on the
// in-process fake for tests: pstest with a real client (pubsub.StartLocal),
// the topics and subscriptions of pubsub.Names created the way production
// creates them (pubsub.EnsureIngest), and everything closed when the test
// ends. It is the one setup the pubsub, scenario, e2e and command tests
// share.
//
// It lives in the service, not in the platform kit, because it drives the
// service's own pubsub adapter (StartLocal, EnsureIngest, Names). It is not
// for production wiring (local mode calls pubsub.StartLocal itself) and it
// holds no store or subscriber: each test builds the part it exercises.
package pubsubtest

import (
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2/pstest"

	"${{ values.goModule }}/pubsub"
)

// Names are the ingest resources most tests use: the events topic, its
// subscription, the dead-letter topic and a subscription to inspect it, with
// a 10 s ack deadline so that a message of a stopped subscriber is
// redelivered within a test's time.
var Names = pubsub.Names{Topic: "events", Subscription: "events-sub", DeadLetterTopic: "events-dl", DeadLetterSubscription: "events-dl-sub", AckDeadline: 10 * time.Second}

// Start starts pstest with reactors (such as pstest.WithErrorInjection) and
// a client for project, creates the resources of names and closes the client
// and the server when tb ends. It fails tb on any error.
func Start(tb testing.TB, project string, names pubsub.Names, reactors ...pstest.ServerReactorOption) *pubsub.Local {
	tb.Helper()
	local, err := pubsub.StartLocal(tb.Context(), project, reactors...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = local.Close() })
	if err := pubsub.EnsureIngest(tb.Context(), local.Client, names); err != nil {
		tb.Fatal(err)
	}
	return local
}
