package jira_test

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/jira"
	"github.com/acme-platform/golden-path/tools/internal/jira/jiratest"
)

func TestCreateServiceDeskRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		flavour string
		req     jira.ServiceDeskRequest
		want    jira.Issue
		wantErr string
		auth    string
	}{
		{
			name: "cloud", flavour: jiratest.Cloud, auth: "basic:" + email,
			req:  jira.ServiceDeskRequest{ServiceDeskID: "4", RequestTypeID: "27", Summary: "latency", Description: "p99 > 1.5 s", Labels: []string{"alert", "alert-1"}, Priority: "High"},
			want: jira.Issue{ID: "10001", Key: "OPS-1", Summary: "latency"},
		},
		{
			name: "datacenter_without_labels_or_priority", flavour: jiratest.DataCenter, auth: "bearer",
			req:  jira.ServiceDeskRequest{ServiceDeskID: "4", RequestTypeID: "27", Summary: "latency", Description: "d"},
			want: jira.Issue{ID: "10001", Key: "OPS-1", Summary: "latency"},
		},
		{
			name: "unknown_request_type", flavour: jiratest.Cloud, auth: "basic:" + email,
			req:     jira.ServiceDeskRequest{ServiceDeskID: "4", RequestTypeID: "99", Summary: "latency", Description: "d"},
			wantErr: "jira POST /rest/servicedeskapi/request: 400 Bad Request: The request type you are trying to use does not exist or is not part of the service desk.",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := jiratest.New(t, tc.flavour, email, token, pat)
			srv.AddServiceDesk("4", "OPS", "27")
			got, err := newClient(t, srv, nil).CreateServiceDeskRequest(t.Context(), tc.req)
			if tc.wantErr != "" {
				var ae *jira.APIError
				if err == nil || err.Error() != tc.wantErr || !errors.As(err, &ae) {
					t.Fatalf("err = %v, want APIError %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateServiceDeskRequest: %v", err)
			}
			if diff := cmp.Diff(got, tc.want); diff != "" {
				t.Errorf("issue (-got +want):\n%s", diff)
			}
			call, err := jira.ServiceDeskRequestCall(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			want := []sent{{Method: "POST", Path: "/rest/servicedeskapi/request", Auth: tc.auth, Body: js(t, string(call.Body))}}
			if diff := cmp.Diff(decoded(t, srv.Requests()), want); diff != "" {
				t.Errorf("requests (-got +want):\n%s", diff)
			}
		})
	}
}

func TestServiceDeskRequestCall(t *testing.T) {
	t.Parallel()
	got, err := jira.ServiceDeskRequestCall(jira.ServiceDeskRequest{ServiceDeskID: "4", RequestTypeID: "27", Summary: "s", Description: "d", Labels: []string{"a"}, Priority: "High"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"serviceDeskId":"4","requestTypeId":"27","requestFieldValues":{"description":"d","labels":["a"],"priority":{"name":"High"},"summary":"s"}}`
	if diff := cmp.Diff(string(got.Body), want); diff != "" {
		t.Errorf("body (-got +want):\n%s", diff)
	}
	if _, err := jira.ServiceDeskRequestCall(jira.ServiceDeskRequest{ServiceDeskID: "4", Summary: "s"}); err == nil {
		t.Error("a request without requestTypeId was accepted")
	}
}

func TestFindByLabel(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		flavour  string
		openOnly bool
		want     jira.LabelledIssue
		found    bool
		request  sent
	}{
		{
			name: "cloud_any_status_finds_the_resolved_one", flavour: jiratest.Cloud,
			want: jira.LabelledIssue{Issue: jira.Issue{ID: "10002", Key: "OPS-2", Summary: "resolved", Status: "Resolved"},
				Labels: []string{"alert", "fp"}, Done: true, Created: created},
			found: true,
			request: sent{Method: "GET", Path: "/rest/api/2/search/jql", Auth: "basic:" + email,
				Query: url.Values{"jql": {`project = "OPS" AND labels = "fp" ORDER BY created DESC`}, "maxResults": {"1"}, "fields": {"summary,status,labels,created"}}},
		},
		{
			name: "datacenter_open_only", flavour: jiratest.DataCenter, openOnly: true,
			want: jira.LabelledIssue{Issue: jira.Issue{ID: "10001", Key: "OPS-1", Summary: "open", Status: "To Do"},
				Labels: []string{"fp"}, Created: created},
			found: true,
			request: sent{Method: "GET", Path: "/rest/api/2/search", Auth: "bearer",
				Query: url.Values{"jql": {`project = "OPS" AND labels = "fp" AND statusCategory != Done ORDER BY created DESC`}, "maxResults": {"1"}, "fields": {"summary,status,labels,created"}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := jiratest.New(t, tc.flavour, email, token, pat)
			srv.SetClock(func() time.Time { return created })
			srv.Seed(jiratest.Issue{Summary: "open", Labels: []string{"fp"}})
			srv.Seed(jiratest.Issue{Summary: "resolved", Labels: []string{"alert", "fp"}, Status: "Resolved", StatusCategory: "done"})
			got, found, err := newClient(t, srv, nil).FindByLabel(t.Context(), "OPS", "fp", tc.openOnly)
			checkSearch(t, srv, err, got, tc.want, found, tc.found, tc.request)
		})
	}
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	srv := jiratest.New(t, jiratest.Cloud, email, token, pat)
	key := srv.Seed(jiratest.Issue{Summary: "s", Labels: []string{"alert"}})
	if err := newClient(t, srv, nil).Update(t.Context(), key, []string{"alert", "alert-closed-1"}, "closed after 5m"); err != nil {
		t.Fatalf("Update: %v", err)
	}
	want := []sent{{Method: http.MethodPut, Path: "/rest/api/2/issue/OPS-1", Auth: "basic:" + email,
		Body: js(t, `{"update":{"labels":[{"add":"alert"},{"add":"alert-closed-1"}],"comment":[{"add":{"body":"closed after 5m"}}]}}`)}}
	if diff := cmp.Diff(decoded(t, srv.Requests()), want); diff != "" {
		t.Errorf("requests (-got +want):\n%s", diff)
	}
	is := srv.Issues()[0]
	if diff := cmp.Diff([][]string{is.Labels, is.Comments}, [][]string{{"alert", "alert-closed-1"}, {"closed after 5m"}}); diff != "" {
		t.Errorf("labels, comments (-got +want):\n%s", diff)
	}
}
