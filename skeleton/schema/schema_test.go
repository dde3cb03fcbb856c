package schema

import (
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEvents(t *testing.T) {
	t.Parallel()
	fields, err := Events()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range fields {
		got[f.Name] = f.Type + "/" + f.Mode
		if f.Description == "" {
			t.Errorf("column %s has no description", f.Name)
		}
	}
	want := map[string]string{
		"event_id":    "STRING/REQUIRED",
		"flight_id":   "STRING/REQUIRED",
		"status":      "STRING/REQUIRED",
		"timestamp":   "TIMESTAMP/REQUIRED",
		"ingested_at": "TIMESTAMP/NULLABLE",
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("schema/events.json columns (-got +want):\n%s", diff)
	}
}

func TestEventsNamesAreBigQueryColumnNames(t *testing.T) {
	t.Parallel()
	names, err := EventColumns()
	if err != nil {
		t.Fatal(err)
	}
	valid := regexp.MustCompile(`^[a-z_][a-z0-9_]{0,299}$`)
	for _, n := range names {
		if !valid.MatchString(n) {
			t.Errorf("column name %q is not a lower-case BigQuery column name", n)
		}
	}
}
