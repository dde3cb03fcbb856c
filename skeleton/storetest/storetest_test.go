package storetest_test

import (
	"testing"

	contract "github.com/acme-platform/golden-path/kit/storetest"
	"github.com/google/go-cmp/cmp"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/sqlitestore"
	"${{ values.goModule }}/storetest"
)

// Without a fault the kit's fault store is a transparent EventStore.
func TestFaultStoreWithoutFaultKeepsContract(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) flightevents.EventStore {
		inner, err := sqlitestore.Open(t.Context(), "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = inner.Close() })
		return storetest.NewFaultStore(inner, 1)
	})
}

// The contract's statuses are the domain's, in the same order: the suite's
// events are valid domain events.
func TestStatusesMatchDomain(t *testing.T) {
	t.Parallel()
	var domain []string
	for _, s := range flightevents.Statuses {
		domain = append(domain, string(s))
	}
	if diff := cmp.Diff(contract.Statuses, domain); diff != "" {
		t.Errorf("kit statuses (-got +want domain):\n%s", diff)
	}
}
