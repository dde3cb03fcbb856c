package cinotify

import (
	"context"

	"github.com/acme-platform/golden-path/tools/internal/jira"
)

// DryRun is a Tracker that reads through Reader (nil when no credentials are
// available: every search then misses) and records every write instead of
// sending it.
type DryRun struct {
	Reader  Tracker
	Planned []jira.Request
}

var _ Tracker = (*DryRun)(nil)

// FindOpen searches through Reader.
func (d *DryRun) FindOpen(ctx context.Context, project, label string) (jira.Issue, bool, error) {
	if d.Reader == nil {
		return jira.Issue{}, false, nil
	}
	return d.Reader.FindOpen(ctx, project, label)
}

// Property reads through Reader.
func (d *DryRun) Property(ctx context.Context, key, name string, v any) (bool, error) {
	if d.Reader == nil {
		return false, nil
	}
	return d.Reader.Property(ctx, key, name, v)
}

// Transitions reads through Reader.
func (d *DryRun) Transitions(ctx context.Context, key string) ([]jira.Transition, error) {
	if d.Reader == nil {
		return nil, nil
	}
	return d.Reader.Transitions(ctx, key)
}

// Create records the request and returns an issue without a key.
func (d *DryRun) Create(_ context.Context, r jira.CreateRequest) (jira.Issue, error) {
	call, err := jira.CreateCall(r)
	if err != nil {
		return jira.Issue{}, err
	}
	d.Planned = append(d.Planned, call)
	return jira.Issue{Summary: r.Summary}, nil
}

// Comment records the request.
func (d *DryRun) Comment(_ context.Context, key, body string) error {
	d.Planned = append(d.Planned, jira.CommentCall(key, body))
	return nil
}

// DoTransition records the request.
func (d *DryRun) DoTransition(_ context.Context, key, id string) error {
	d.Planned = append(d.Planned, jira.TransitionCall(key, id))
	return nil
}

// SetProperty records the request.
func (d *DryRun) SetProperty(_ context.Context, key, name string, v any) error {
	call, err := jira.SetPropertyCall(key, name, v)
	if err != nil {
		return err
	}
	d.Planned = append(d.Planned, call)
	return nil
}
