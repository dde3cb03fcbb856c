package httpapi_test

import (
	"testing"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/sqlitestore"
)

// newStore returns a new, empty embedded SQLite store (in memory), closed
// when the test ends.
func newStore(t testing.TB) flightevents.EventStore {
	t.Helper()
	s, err := sqlitestore.Open(t.Context(), "")
	if err != nil {
		t.Fatalf("open sqlite store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
