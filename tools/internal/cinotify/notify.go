package cinotify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/acme-platform/golden-path/tools/internal/httpretry"
	"github.com/acme-platform/golden-path/tools/internal/jira"
)

// Tracker is the Jira surface the notifier uses; *jira.Client implements it.
type Tracker interface {
	FindOpen(ctx context.Context, project, label string) (jira.Issue, bool, error)
	Create(ctx context.Context, r jira.CreateRequest) (jira.Issue, error)
	Comment(ctx context.Context, key, body string) error
	Transitions(ctx context.Context, key string) ([]jira.Transition, error)
	DoTransition(ctx context.Context, key, id string) error
	Property(ctx context.Context, key, name string, v any) (bool, error)
	SetProperty(ctx context.Context, key, name string, v any) error
}

// Actions reported in Result.Action (and $GITHUB_OUTPUT). A dry run reports
// the planned action in the imperative: create, comment, skip, close.
const (
	Created   = "created"
	Commented = "commented"
	Skipped   = "skipped"
	Closed    = "closed"
)

// FailureLabel marks every ticket the notifier files.
const FailureLabel = "ci-failure"

// GuardProperty is the issue property holding the spam-guard counters.
const GuardProperty = "ci-failure-notifier"

// Options configure both modes.
type Options struct {
	Project    string
	IssueType  string
	Labels     []string // extra labels, next to ci-failure and the fingerprint
	Components []string
	Priority   string
	Fields     map[string]json.RawMessage
	Excerpt    Excerpt

	// MaxCommentsPerDay caps comments per ticket per UTC day; 0 = unlimited.
	MaxCommentsPerDay int
	// DoneTransition is the transition name used by Close.
	DoneTransition string

	// Now is injected by tests; time.Now by default.
	Now func() time.Time
	// Retry decides the wait before searching again after a create whose
	// outcome is unknown (httpretry's Wait: the eventually consistent index
	// gets a chance); the Jira client's own transport, a default
	// httpretry.Transport when nil.
	Retry *httpretry.Transport
}

// Result says what happened.
type Result struct {
	Action      string
	Key         string
	Fingerprint string
	Notes       []string
}

// guardState is stored in GuardProperty.
type guardState struct {
	Day        string `json:"day"`
	Comments   int    `json:"comments"`
	Suppressed int    `json:"suppressed"`
}

// TransitionNotFoundError means the named transition is not offered on the issue.
type TransitionNotFoundError struct {
	Key, Name string
	Available []string
}

func (e *TransitionNotFoundError) Error() string {
	return fmt.Sprintf("transition %q is not available on %s (available: %s)", e.Name, e.Key, strings.Join(e.Available, ", "))
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o Options) retry() *httpretry.Transport {
	if o.Retry != nil {
		return o.Retry
	}
	return &httpretry.Transport{}
}

// CreateRequest is the ticket Open files for run.
func CreateRequest(r Run, o Options) jira.CreateRequest {
	fp := Fingerprint(r)
	labels := []string{FailureLabel, fp}
	for _, l := range o.Labels {
		if l != FailureLabel && l != fp {
			labels = append(labels, l)
		}
	}
	return jira.CreateRequest{
		Project: o.Project, IssueType: o.IssueType, Summary: Summary(r),
		Description: Description(r, fp, o.Excerpt),
		Labels:      labels, Components: o.Components, Priority: o.Priority, Fields: o.Fields,
	}
}

// Open handles a failed run: comment on the open ticket with the run's
// fingerprint (within the spam budget) or create one.
func Open(ctx context.Context, t Tracker, r Run, o Options) (Result, error) {
	fp := Fingerprint(r)
	res := Result{Fingerprint: fp}
	issue, found, err := t.FindOpen(ctx, o.Project, fp)
	if err != nil {
		return res, fmt.Errorf("search open ticket: %w", err)
	}
	if found {
		res.Key = issue.Key
		return comment(ctx, t, r, o, res)
	}

	req := CreateRequest(r, o)
	created, err := t.Create(ctx, req)
	if err != nil && jira.Unsettled(err) {
		// POST is not idempotent: the issue may exist although no (good) answer came.
		res.Notes = append(res.Notes, fmt.Sprintf("create's outcome is unknown (%v); searching again before re-creating", err))
		if err := o.retry().Wait(ctx, 1); err != nil {
			return res, fmt.Errorf("wait to search again: %w", err)
		}
		issue, found, serr := t.FindOpen(ctx, o.Project, fp)
		if serr != nil {
			return res, fmt.Errorf("search again after failed create: %w", errors.Join(err, serr))
		}
		if found {
			res.Action, res.Key = Created, issue.Key
			res.Notes = append(res.Notes, "the first create had succeeded: found "+issue.Key)
			return res, nil
		}
		created, err = t.Create(ctx, req)
	}
	if err != nil {
		return res, fmt.Errorf("create ticket: %w", err)
	}
	res.Action, res.Key = Created, created.Key
	return res, nil
}

func comment(ctx context.Context, t Tracker, r Run, o Options, res Result) (Result, error) {
	day := o.now().UTC().Format(time.DateOnly)
	var st guardState
	guard := o.MaxCommentsPerDay > 0
	if guard {
		if _, err := t.Property(ctx, res.Key, GuardProperty, &st); err != nil {
			// The guard fails open: a missed ticket update is worse than one comment too many.
			res.Notes = append(res.Notes, fmt.Sprintf("spam guard unavailable, commenting anyway: %v", err))
			guard, st = false, guardState{}
		}
		if st.Day != day {
			st.Day, st.Comments = day, 0
		}
		if guard && st.Comments >= o.MaxCommentsPerDay {
			st.Suppressed++
			res.Action = Skipped
			res.Notes = append(res.Notes, fmt.Sprintf("spam guard: %d comments on %s today already; %d failures waiting for the next comment", st.Comments, res.Key, st.Suppressed))
			if err := t.SetProperty(ctx, res.Key, GuardProperty, st); err != nil {
				return res, fmt.Errorf("record suppressed failure: %w", err)
			}
			return res, nil
		}
	}
	if err := t.Comment(ctx, res.Key, FailureComment(r, st.Suppressed, o.MaxCommentsPerDay)); err != nil {
		return res, fmt.Errorf("comment on %s: %w", res.Key, err)
	}
	res.Action = Commented
	if guard {
		st.Comments++
		st.Suppressed = 0
		if err := t.SetProperty(ctx, res.Key, GuardProperty, st); err != nil {
			res.Notes = append(res.Notes, fmt.Sprintf("comment posted but the spam-guard counter was not saved: %v", err))
		}
	}
	return res, nil
}

// Close handles a green run: comment on the open ticket and move it through
// the transition named o.DoneTransition (looked up, never a fixed id).
func Close(ctx context.Context, t Tracker, r Run, o Options) (Result, error) {
	fp := Fingerprint(r)
	res := Result{Fingerprint: fp}
	issue, found, err := t.FindOpen(ctx, o.Project, fp)
	if err != nil {
		return res, fmt.Errorf("search open ticket: %w", err)
	}
	if !found {
		res.Action = Skipped
		res.Notes = append(res.Notes, "no open ticket with fingerprint "+fp)
		return res, nil
	}
	res.Key = issue.Key
	ts, err := t.Transitions(ctx, issue.Key)
	if err != nil {
		return res, fmt.Errorf("list transitions of %s: %w", issue.Key, err)
	}
	var id string
	var names []string
	for _, tr := range ts {
		names = append(names, tr.Name)
		if id == "" && strings.EqualFold(strings.TrimSpace(tr.Name), strings.TrimSpace(o.DoneTransition)) {
			id = tr.ID
		}
	}
	if id == "" {
		return res, &TransitionNotFoundError{Key: issue.Key, Name: o.DoneTransition, Available: names}
	}
	// Comment first: many workflows make Done issues read-only.
	if err := t.Comment(ctx, issue.Key, GreenComment(r, o.DoneTransition)); err != nil {
		return res, fmt.Errorf("comment on %s: %w", issue.Key, err)
	}
	if err := t.DoTransition(ctx, issue.Key, id); err != nil {
		return res, fmt.Errorf("transition %s: %w", issue.Key, err)
	}
	res.Action = Closed
	return res, nil
}
