package dora

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Formats Write renders.
const (
	Text     = "text"
	JSON     = "json"
	Markdown = "markdown"
)

// Write renders r in format.
func Write(w io.Writer, r Report, format string) error {
	switch format {
	case JSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case Text, Markdown:
		_, err := io.WriteString(w, table(r, format == Markdown))
		return err
	}
	return fmt.Errorf("unknown format %q (want text, json or markdown)", format)
}

func table(r Report, md bool) string {
	rows := [][2]string{
		{"Deployment frequency", fmt.Sprintf("%d deploys (%.2f/day, %.2f/week)", r.Deployments, r.DeploymentsPerDay, r.DeploymentsPerWeek)},
		{"Lead time for changes", fmt.Sprintf("median %.2f h, p90 %.2f h over %d commits", r.LeadTimeMedianHours, r.LeadTimeP90Hours, r.Commits)},
		{"Change failure rate", fmt.Sprintf("%.0f %% (%d of %d deploys)", r.ChangeFailureRate*100, r.FailedDeployments, r.Deployments)},
		{"Time to restore", fmt.Sprintf("median %.2f h, p90 %.2f h over %d incidents (%d unresolved)", r.TimeToRestoreMedianHours, r.TimeToRestoreP90Hours, r.Incidents-r.UnresolvedIncidents, r.UnresolvedIncidents)},
	}
	var b strings.Builder
	if md {
		fmt.Fprintf(&b, "### DORA metrics, %s to %s (%d days)\n\n| Key | Value |\n|---|---|\n", r.Start, r.End, r.Days)
		for _, row := range rows {
			fmt.Fprintf(&b, "| %s | %s |\n", row[0], row[1])
		}
		return b.String()
	}
	fmt.Fprintf(&b, "DORA metrics %s .. %s (%d days)\n", r.Start, r.End, r.Days)
	for _, row := range rows {
		fmt.Fprintf(&b, "  %-22s %s\n", row[0], row[1])
	}
	return b.String()
}
