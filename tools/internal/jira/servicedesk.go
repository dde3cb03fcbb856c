package jira

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// This file is the Jira Service Management slice (create a customer request
// through /rest/servicedeskapi/request) and the label-based lookups and edits
// the alert bridge needs on top of the CI notifier's calls.

// ServiceDeskRequest is a new JSM customer request. Its fields travel as
// requestFieldValues (summary, description, labels, priority by name, in
// Jira's field input formats); every one of them must be on the request
// type's form, or JSM answers 400.
type ServiceDeskRequest struct {
	ServiceDeskID string
	RequestTypeID string
	Summary       string
	Description   string
	Labels        []string
	Priority      string
}

// ServiceDeskRequestCall is the exact POST /rest/servicedeskapi/request that
// CreateServiceDeskRequest sends (Atlassian's RequestCreateDTO).
func ServiceDeskRequestCall(r ServiceDeskRequest) (Request, error) {
	if r.ServiceDeskID == "" || r.RequestTypeID == "" {
		return Request{}, fmt.Errorf("service desk request needs serviceDeskId and requestTypeId")
	}
	values := map[string]any{"summary": r.Summary, "description": r.Description}
	if len(r.Labels) > 0 {
		values["labels"] = r.Labels
	}
	if r.Priority != "" {
		values["priority"] = map[string]string{"name": r.Priority}
	}
	b, err := json.Marshal(struct {
		ServiceDeskID      string         `json:"serviceDeskId"`
		RequestTypeID      string         `json:"requestTypeId"`
		RequestFieldValues map[string]any `json:"requestFieldValues"`
	}{r.ServiceDeskID, r.RequestTypeID, values})
	if err != nil {
		return Request{}, fmt.Errorf("encode service desk request: %w", err)
	}
	return Request{Method: http.MethodPost, Path: "/rest/servicedeskapi/request", Body: b}, nil
}

// CreateServiceDeskRequest raises a customer request; JSM answers 201 with a
// CustomerRequestDTO whose issueId and issueKey name the Jira issue behind it.
func (c *Client) CreateServiceDeskRequest(ctx context.Context, r ServiceDeskRequest) (Issue, error) {
	call, err := ServiceDeskRequestCall(r)
	if err != nil {
		return Issue{}, err
	}
	var out struct {
		IssueID  string `json:"issueId"`
		IssueKey string `json:"issueKey"`
	}
	if err := c.send(ctx, call, &out); err != nil {
		return Issue{}, err
	}
	return Issue{ID: out.IssueID, Key: out.IssueKey, Summary: r.Summary}, nil
}

// LabelledIssue is an issue found by label, with what the bridge decides on.
type LabelledIssue struct {
	Issue
	Labels  []string
	Done    bool // status category "done"
	Created time.Time
}

// LabelJQL finds the newest issue in project carrying label; openOnly keeps
// the issues whose status category is not Done.
func LabelJQL(project, label string, openOnly bool) string {
	if openOnly {
		return OpenIssueJQL(project, label)
	}
	return fmt.Sprintf(`project = %s AND labels = %s ORDER BY created DESC`, jqlQuote(project), jqlQuote(label))
}

var labelFields = []string{"summary", "status", "labels", "created"}

// FindByLabel returns the newest issue with label (any status unless
// openOnly), through the flavour's search endpoint as FindOpen does.
func (c *Client) FindByLabel(ctx context.Context, project, label string, openOnly bool) (LabelledIssue, bool, error) {
	issues, err := c.search(ctx, LabelJQL(project, label, openOnly), labelFields, 1)
	if err != nil || len(issues) == 0 {
		return LabelledIssue{}, false, err
	}
	gi := issues[0]
	li := LabelledIssue{Issue: toIssue(gi)}
	if gi.Fields != nil {
		li.Labels = gi.Fields.Labels
		li.Created = time.Time(gi.Fields.Created)
		li.Done = gi.Fields.Status != nil && gi.Fields.Status.StatusCategory.Key == "done"
	}
	return li, true, nil
}

// UpdateCall is the exact edit that Update sends: one PUT that adds labels
// and a comment together, so that both happen or neither does.
func UpdateCall(key string, addLabels []string, comment string) Request {
	type op map[string]any
	update := map[string][]op{}
	for _, l := range addLabels {
		update["labels"] = append(update["labels"], op{"add": l})
	}
	if comment != "" {
		update["comment"] = []op{{"add": map[string]string{"body": comment}}}
	}
	b, _ := json.Marshal(map[string]any{"update": update})
	return Request{Method: http.MethodPut, Path: "/rest/api/2/issue/" + url.PathEscape(key), Body: b}
}

// Update adds labels and a wiki-markup comment to key in one edit
// (PUT /rest/api/2/issue/{key}; the labels must be on the edit screen).
func (c *Client) Update(ctx context.Context, key string, addLabels []string, comment string) error {
	return c.send(ctx, UpdateCall(key, addLabels, comment), nil)
}
