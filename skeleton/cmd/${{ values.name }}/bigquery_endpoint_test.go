package main

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/acme-platform/golden-path/kit/bqfake"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/option"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/bigquery"
	"${{ values.goModule }}/config"
	"${{ values.goModule }}/httpapi"
)

// startBigQueryFake starts the kit's BigQuery fake with the events table of
// project.dataset.events created by the adapter, holding events.
func startBigQueryFake(tb testing.TB, project, dataset string, events []flightevents.Event) *bqfake.Server {
	tb.Helper()
	fake, err := bqfake.New()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(fake.Close)
	s, err := bigquery.New(tb.Context(), bigquery.Config{ProjectID: project, Dataset: dataset, Table: "events"},
		option.WithEndpoint(fake.URL), option.WithoutAuthentication())
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateTable(tb.Context()); err != nil {
		tb.Fatal(err)
	}
	if len(events) > 0 {
		if _, err := s.WriteEvents(tb.Context(), events); err != nil {
			tb.Fatal(err)
		}
	}
	return fake
}

// TestServeOnBigQueryFake runs serve on the BigQuery store pointed at the
// kit's fake by BIGQUERY_ENDPOINT: ready, reads through the real client with
// the configured maximumBytesBilled, and the range guard.
func TestServeOnBigQueryFake(t *testing.T) {
	t.Parallel()
	ts := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	e := flightevents.Event{FlightID: "IB3456", Status: flightevents.StatusBoarding, Timestamp: ts}
	e.EventID = flightevents.DeriveEventID(e.FlightID, e.Status, e.Timestamp)
	fake := startBigQueryFake(t, "endpoint-proj", "flight_events", []flightevents.Event{e})
	c, _, _ := newCLI(map[string]string{
		"PORT": "0", "STORE": "bigquery", "BIGQUERY_ENDPOINT": fake.URL, "GOOGLE_CLOUD_PROJECT": "endpoint-proj",
		"BIGQUERY_DATASET": "flight_events", "BIGQUERY_TABLE": "events", "BIGQUERY_LOCATION": "US",
	})
	base, stop := start(t, c, "serve")
	getJSON(t, base+"/readyz", nil)
	var got []httpapi.FlightEvent
	getJSON(t, base+"/datos?flight_id=IB3456", &got)
	if diff := cmp.Diff(got, []httpapi.FlightEvent{{FlightID: "IB3456", Status: "boarding", Timestamp: ts}}); diff != "" {
		t.Errorf("GET /datos (-got +want):\n%s", diff)
	}
	resp, err := http.Get(base + "/datos?since=2000-01-01T00:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("GET /datos?since=2000-01-01 = %d, want 422 (range limit)", resp.StatusCode)
	}
	var caps []string
	for _, r := range fake.Requests() {
		if r.Op == bqfake.OpJobsQuery {
			var body struct {
				MaximumBytesBilled string `json:"maximumBytesBilled"`
			}
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatal(err)
			}
			caps = append(caps, body.MaximumBytesBilled)
		}
	}
	if diff := cmp.Diff(caps, []string{strconv.Itoa(config.DefaultMaxBytesBilled)}); diff != "" {
		t.Errorf("maximumBytesBilled of the queries (-got +want):\n%s", diff)
	}
	if _, err := stop(); err != nil {
		t.Fatalf("serve returned %v", err)
	}
}
