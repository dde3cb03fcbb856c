// Package schema holds the column definition of the events table as a
// BigQuery JSON schema (events.json). That file is the single source of
// truth for the columns: the BigQuery adapter creates and checks tables from
// it, the embedded store's tests compare their columns with it and the
// Terraform module reads the same file.
//
// It is not for queries or storage: those live in the adapters.
package schema

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// EventsJSON is the BigQuery JSON schema of the events table, verbatim.
//
//go:embed events.json
var EventsJSON []byte

// Field is one column of a BigQuery JSON schema.
type Field struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Mode        string `json:"mode,omitempty"`
	Description string `json:"description,omitempty"`
}

// Required reports whether the column may not be NULL.
func (f Field) Required() bool { return f.Mode == "REQUIRED" }

// Events returns the columns of the events table in table order.
func Events() ([]Field, error) {
	var fields []Field
	if err := json.Unmarshal(EventsJSON, &fields); err != nil {
		return nil, fmt.Errorf("decode schema/events.json: %w", err)
	}
	if len(fields) == 0 {
		return nil, fmt.Errorf("decode schema/events.json: no fields")
	}
	return fields, nil
}

// EventColumns returns the names of the columns of the events table in
// table order.
func EventColumns() ([]string, error) {
	fields, err := Events()
	if err != nil {
		return nil, err
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	return names, nil
}
