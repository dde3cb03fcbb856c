package jira

import (
	"context"
	"fmt"
	"time"
)

// This file reads ticket history for the DORA metrics: the tickets of one
// label (ci-failure, alert) created since a date, with when they were
// created and resolved.

// Record is one ticket of a label's history.
type Record struct {
	Key         string
	Labels      []string
	Created     time.Time
	Resolved    time.Time // zero while unresolved
	Description string
}

// MaxHistory is the most tickets History reads; more is an error rather
// than a silently partial metric.
const MaxHistory = 100

// HistoryJQL finds project's tickets with label created on or after since (a day, UTC).
func HistoryJQL(project, label string, since time.Time) string {
	return fmt.Sprintf(`project = %s AND labels = %s AND created >= "%s" ORDER BY created DESC`,
		jqlQuote(project), jqlQuote(label), since.UTC().Format(time.DateOnly))
}

var historyFields = []string{"labels", "created", "resolutiondate", "description"}

// History returns the tickets HistoryJQL finds, newest first.
func (c *Client) History(ctx context.Context, project, label string, since time.Time) ([]Record, error) {
	issues, err := c.search(ctx, HistoryJQL(project, label, since), historyFields, MaxHistory+1)
	if err != nil {
		return nil, err
	}
	if len(issues) > MaxHistory {
		return nil, fmt.Errorf("history of %s: more than %d tickets since %s; shorten the window", label, MaxHistory, since.Format(time.DateOnly))
	}
	out := make([]Record, 0, len(issues))
	for _, gi := range issues {
		r := Record{Key: gi.Key}
		if f := gi.Fields; f != nil {
			r.Labels, r.Description = f.Labels, f.Description
			r.Created, r.Resolved = time.Time(f.Created).UTC(), time.Time(f.Resolutiondate).UTC()
			if time.Time(f.Resolutiondate).IsZero() {
				r.Resolved = time.Time{}
			}
		}
		out = append(out, r)
	}
	return out, nil
}
