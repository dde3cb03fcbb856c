// Package dora computes the four DORA keys of one service over a window —
// deployment frequency, lead time for changes, change failure rate and time
// to restore — from its deploy workflow's successful runs on GitHub (and the
// commits each shipped) and from its Jira tickets: the CI notifier's
// ci-failure tickets, linked to a deploy through the commit SHA they record,
// and the alert bridge's incidents. docs/dora.md has the definitions.
//
// It is not a dashboard or a store: it reads, computes and renders one report
// (text, JSON, markdown); publishing it is the workflow's job.
package dora

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/acme-platform/golden-path/tools/internal/github"
	"github.com/acme-platform/golden-path/tools/internal/jira"
)

// GitHub is the slice of *github.Client the metrics read.
type GitHub interface {
	Deploys(ctx context.Context, workflow, branch string, since time.Time) ([]github.Deploy, *github.Deploy, error)
	Shipped(ctx context.Context, base, head string) ([]github.Commit, error)
}

// Jira is the slice of *jira.Client the metrics read.
type Jira interface {
	History(ctx context.Context, project, label string, since time.Time) ([]jira.Record, error)
}

// Source says where to read.
type Source struct {
	Workflow, Branch string // deploy.yml, main
	Project          string // Jira project key
	FailureLabel     string // ci-failure
	IncidentLabel    string // alert
}

// Shipment is one deploy with the commits it shipped.
type Shipment struct {
	Deploy  github.Deploy
	Commits []github.Commit
}

// History is everything the metrics are computed from.
type History struct {
	Shipments []Shipment
	Failures  []jira.Record // ci-failure tickets
	Incidents []jira.Record // alert bridge incidents
}

// Collect reads the window [start, end) from GitHub and Jira.
func Collect(ctx context.Context, gh GitHub, j Jira, src Source, start, end time.Time) (History, error) {
	deploys, before, err := gh.Deploys(ctx, src.Workflow, src.Branch, start)
	if err != nil {
		return History{}, fmt.Errorf("read deploys: %w", err)
	}
	var h History
	base := ""
	if before != nil {
		base = before.SHA
	}
	for _, d := range deploys {
		if !d.At.Before(end) {
			break
		}
		commits, err := gh.Shipped(ctx, base, d.SHA)
		if err != nil {
			return History{}, fmt.Errorf("read commits of run %d: %w", d.RunID, err)
		}
		h.Shipments = append(h.Shipments, Shipment{Deploy: d, Commits: commits})
		base = d.SHA
	}
	if h.Failures, err = j.History(ctx, src.Project, src.FailureLabel, start); err != nil {
		return History{}, fmt.Errorf("read %s tickets: %w", src.FailureLabel, err)
	}
	if h.Incidents, err = j.History(ctx, src.Project, src.IncidentLabel, start); err != nil {
		return History{}, fmt.Errorf("read %s tickets: %w", src.IncidentLabel, err)
	}
	return h, nil
}

// Report is the four keys; its JSON is a stable schema (schema_version 1).
type Report struct {
	SchemaVersion int    `json:"schema_version"`
	Start         string `json:"window_start"`
	End           string `json:"window_end"`
	Days          int    `json:"window_days"`

	Deployments         int     `json:"deployments"`
	DeploymentsPerDay   float64 `json:"deployment_frequency_per_day"`
	DeploymentsPerWeek  float64 `json:"deployment_frequency_per_week"`
	Commits             int     `json:"commits"`
	LeadTimeMedianHours float64 `json:"lead_time_median_hours"`
	LeadTimeP90Hours    float64 `json:"lead_time_p90_hours"`

	FailedDeployments int      `json:"failed_deployments"`
	ChangeFailureRate float64  `json:"change_failure_rate"`
	FailedRuns        []int64  `json:"failed_deploy_runs"`
	FailureTickets    []string `json:"failure_tickets"`

	Incidents                  int     `json:"incidents"`
	UnresolvedIncidents        int     `json:"unresolved_incidents"`
	TimeToRestoreMedianHours   float64 `json:"time_to_restore_median_hours"`
	TimeToRestoreP90Hours      float64 `json:"time_to_restore_p90_hours"`
	IncidentsWithoutDeployment int     `json:"incidents_without_deployment"`
}

var reCommit = regexp.MustCompile(`/commit/([0-9a-fA-F]{7,40})`)

// Compute applies docs/dora.md's formulas to h over [start, end).
func Compute(h History, start, end time.Time) Report {
	in := func(t time.Time) bool { return !t.Before(start) && t.Before(end) }
	days := int(end.Sub(start).Round(24*time.Hour) / (24 * time.Hour))
	r := Report{SchemaVersion: 1, Start: start.UTC().Format(time.RFC3339), End: end.UTC().Format(time.RFC3339), Days: days,
		FailedRuns: []int64{}, FailureTickets: []string{}}

	var ships []Shipment
	for _, s := range h.Shipments {
		if in(s.Deploy.At) {
			ships = append(ships, s)
		}
	}
	r.Deployments = len(ships)
	if days > 0 {
		r.DeploymentsPerDay = round(float64(r.Deployments) / float64(days))
		r.DeploymentsPerWeek = round(float64(r.Deployments) * 7 / float64(days))
	}
	var leads []time.Duration
	for _, s := range ships {
		for _, c := range s.Commits {
			leads = append(leads, s.Deploy.At.Sub(c.At))
		}
	}
	r.Commits = len(leads)
	r.LeadTimeMedianHours, r.LeadTimeP90Hours = hours(percentile(leads, 50)), hours(percentile(leads, 90))

	failed := map[int]bool{}
	// A ci-failure ticket fails the deploy that shipped its commit when it was
	// opened after that deploy (CI on main after the change went out).
	for _, t := range h.Failures {
		m := reCommit.FindStringSubmatch(t.Description)
		if m == nil || !in(t.Created) {
			continue
		}
		for i, s := range ships {
			if !t.Created.Before(s.Deploy.At) && shipped(s, m[1]) {
				failed[i] = true
				r.FailureTickets = append(r.FailureTickets, t.Key)
				break
			}
		}
	}
	// An incident fails the deploy that was live when it opened.
	var restores []time.Duration
	for _, t := range h.Incidents {
		if !in(t.Created) {
			continue
		}
		r.Incidents++
		if t.Resolved.IsZero() {
			r.UnresolvedIncidents++
		} else {
			restores = append(restores, t.Resolved.Sub(t.Created))
		}
		live := -1
		for i, s := range ships {
			if !s.Deploy.At.After(t.Created) {
				live = i
			}
		}
		if live < 0 {
			r.IncidentsWithoutDeployment++
			continue
		}
		failed[live] = true
		r.FailureTickets = append(r.FailureTickets, t.Key)
	}
	for i, s := range ships {
		if failed[i] {
			r.FailedRuns = append(r.FailedRuns, s.Deploy.RunID)
		}
	}
	slices.Sort(r.FailureTickets)
	r.FailedDeployments = len(r.FailedRuns)
	if r.Deployments > 0 {
		r.ChangeFailureRate = round(float64(r.FailedDeployments) / float64(r.Deployments))
	}
	r.TimeToRestoreMedianHours, r.TimeToRestoreP90Hours = hours(percentile(restores, 50)), hours(percentile(restores, 90))
	return r
}

func shipped(s Shipment, sha string) bool {
	match := func(full string) bool { return strings.HasPrefix(strings.ToLower(full), strings.ToLower(sha)) }
	if match(s.Deploy.SHA) {
		return true
	}
	return slices.ContainsFunc(s.Commits, func(c github.Commit) bool { return match(c.SHA) })
}

// percentile is the nearest-rank percentile p of ds (0 when empty).
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := (p*len(s) + 99) / 100 // ceil(p/100 * n)
	return s[max(rank, 1)-1]
}

func hours(d time.Duration) float64 { return round(d.Hours()) }

func round(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }
