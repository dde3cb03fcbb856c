package jira_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	gojira "github.com/andygrunwald/go-jira"
	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/httpretry"
	"github.com/acme-platform/golden-path/tools/internal/jira"
	"github.com/acme-platform/golden-path/tools/internal/jira/jiratest"
)

const (
	email = "bot@example.com"
	token = "cloud-token-SECRET-123"
	pat   = "dc-pat-SECRET-456"
)

var creds = jira.Credentials{Email: email, APIToken: token, PAT: pat}

// instantRetry is the retry transport with the clock injected: no real sleeps.
func instantRetry(waits *[]time.Duration) *httpretry.Transport {
	return &httpretry.Transport{
		Jitter: func() float64 { return 1 },
		Sleep: func(_ context.Context, d time.Duration) error {
			if waits != nil {
				*waits = append(*waits, d)
			}
			return nil
		},
	}
}

func newClient(t *testing.T, srv *jiratest.Server, waits *[]time.Duration) *jira.Client {
	t.Helper()
	c, err := jira.New(jira.Config{BaseURL: srv.URL, Flavour: jira.Flavour(srv.Flavour), Credentials: creds, Transport: instantRetry(waits)})
	if err != nil {
		t.Fatalf("jira.New: %v", err)
	}
	return c
}

// sent is a recorded request with its JSON body decoded, so that key order does not matter.
type sent struct {
	Method, Path string
	Query        url.Values
	Auth         string
	Body         any
}

func decoded(t *testing.T, rs []jiratest.Request) []sent {
	t.Helper()
	out := make([]sent, 0, len(rs))
	for _, r := range rs {
		s := sent{Method: r.Method, Path: r.Path, Query: r.Query, Auth: r.Auth}
		if len(s.Query) == 0 {
			s.Query = nil
		}
		if r.Body != "" {
			if err := json.Unmarshal([]byte(r.Body), &s.Body); err != nil {
				t.Fatalf("request body of %s %s is not JSON: %q", r.Method, r.Path, r.Body)
			}
		}
		out = append(out, s)
	}
	return out
}

func js(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad test JSON %q: %v", s, err)
	}
	return v
}

func TestResolveFlavour(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, value, base string
		want              jira.Flavour
		wantErr           bool
	}{
		{name: "auto_cloud", value: "auto", base: "https://acme.atlassian.net", want: jira.Cloud},
		{name: "empty_is_auto", value: "", base: "https://acme.atlassian.net/", want: jira.Cloud},
		{name: "auto_datacenter", value: "auto", base: "https://jira.acme.example/jira", want: jira.DataCenter},
		{name: "auto_lookalike_host_is_datacenter", value: "auto", base: "https://atlassian.net.evil.example", want: jira.DataCenter},
		{name: "explicit_cloud_on_custom_domain", value: "cloud", base: "https://jira.acme.example", want: jira.Cloud},
		{name: "explicit_dc_alias", value: "DC", base: "https://acme.atlassian.net", want: jira.DataCenter},
		{name: "unknown", value: "onprem", base: "https://x", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := jira.ResolveFlavour(tc.value, tc.base)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("flavour = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  jira.Config
		want string
	}{
		{name: "no_base_url", cfg: jira.Config{Flavour: jira.Cloud, Credentials: creds}, want: "missing Jira base URL"},
		{name: "relative_url", cfg: jira.Config{BaseURL: "acme.atlassian.net", Flavour: jira.Cloud, Credentials: creds}, want: "absolute http(s) URL"},
		{name: "userinfo_in_url", cfg: jira.Config{BaseURL: "https://bot:" + token + "@acme.atlassian.net", Flavour: jira.Cloud, Credentials: creds}, want: "must not contain credentials"},
		{name: "cloud_without_token", cfg: jira.Config{BaseURL: "https://acme.atlassian.net", Flavour: jira.Cloud, Credentials: jira.Credentials{Email: email, PAT: pat}}, want: "JIRA_API_TOKEN"},
		{name: "dc_without_pat", cfg: jira.Config{BaseURL: "https://jira.acme.example", Flavour: jira.DataCenter, Credentials: jira.Credentials{Email: email, APIToken: token}}, want: "JIRA_PAT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := jira.New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
			if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), pat) {
				t.Errorf("error leaks a credential: %v", err)
			}
		})
	}
}

const label = "ci-fp-0123456789ab"

var jql = `project = "OPS" AND labels = "ci-fp-0123456789ab" AND statusCategory != Done ORDER BY created DESC`

func TestFindOpen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		flavour string
		seed    []jiratest.Issue
		want    jira.Issue
		found   bool
		request sent
	}{
		{
			name:    "cloud_miss_uses_search_jql_with_basic_auth",
			flavour: jiratest.Cloud,
			request: sent{Method: "GET", Path: "/rest/api/2/search/jql", Auth: "basic:" + email,
				Query: url.Values{"jql": {jql}, "maxResults": {"1"}, "fields": {"summary,status"}}},
		},
		{
			name:    "cloud_hit_skips_done_and_other_labels",
			flavour: jiratest.Cloud,
			seed: []jiratest.Issue{
				{Summary: "open one", Labels: []string{"ci-failure", label}},
				{Summary: "closed one", Labels: []string{"ci-failure", label}, Status: "Done", StatusCategory: "done"},
				{Summary: "other fingerprint", Labels: []string{"ci-failure", "ci-fp-ffffffffffff"}},
			},
			want:  jira.Issue{ID: "10001", Key: "OPS-1", Summary: "open one", Status: "To Do"},
			found: true,
			request: sent{Method: "GET", Path: "/rest/api/2/search/jql", Auth: "basic:" + email,
				Query: url.Values{"jql": {jql}, "maxResults": {"1"}, "fields": {"summary,status"}}},
		},
		{
			name:    "datacenter_hit_uses_classic_search_with_bearer",
			flavour: jiratest.DataCenter,
			seed:    []jiratest.Issue{{Summary: "open one", Labels: []string{label}, Status: "In Progress", StatusCategory: "indeterminate"}},
			want:    jira.Issue{ID: "10001", Key: "OPS-1", Summary: "open one", Status: "In Progress"},
			found:   true,
			request: sent{Method: "GET", Path: "/rest/api/2/search", Auth: "bearer",
				Query: url.Values{"jql": {jql}, "maxResults": {"1"}, "fields": {"summary,status"}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := jiratest.New(t, tc.flavour, email, token, pat)
			for _, is := range tc.seed {
				srv.Seed(is)
			}
			got, found, err := newClient(t, srv, nil).FindOpen(t.Context(), "OPS", label)
			checkSearch(t, srv, err, got, tc.want, found, tc.found, tc.request)
		})
	}
}

// checkSearch compares a search's result, whether it found one, and the one request it sent.
func checkSearch[T any](t *testing.T, srv *jiratest.Server, err error, got, want T, found, wantFound bool, request sent) {
	t.Helper()
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	if found != wantFound {
		t.Errorf("found = %v, want %v", found, wantFound)
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("issue (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(decoded(t, srv.Requests()), []sent{request}); diff != "" {
		t.Errorf("requests (-got +want):\n%s", diff)
	}
}

// TestCloudClassicSearchIsGone shows why FindOpen never calls go-jira's Search on Cloud.
func TestCloudClassicSearchIsGone(t *testing.T) {
	t.Parallel()
	srv := jiratest.New(t, jiratest.Cloud, email, token, pat)
	api, err := gojira.NewClient((&gojira.BasicAuthTransport{Username: email, Password: token}).Client(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, resp, err := api.Issue.SearchWithContext(t.Context(), jql, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusGone {
		t.Fatalf("classic search on Cloud: resp=%v err=%v, want 410 Gone", resp, err)
	}
	if !strings.Contains(err.Error(), "/rest/api/3/search/jql") {
		t.Errorf("error %q does not carry Jira's migration message", err)
	}
}

func TestWrites(t *testing.T) {
	t.Parallel()
	create := jira.CreateRequest{
		Project: "OPS", IssueType: "Bug", Summary: "CI failed: acme/app ci/test on main",
		Description: "h3. CI failure\n{noformat}\nboom\n{noformat}",
		Labels:      []string{"ci-failure", label}, Components: []string{"platform"}, Priority: "High",
		Fields: map[string]json.RawMessage{
			"customfield_10050": json.RawMessage(`"https://github.com/acme/app/actions/runs/1/attempts/1"`),
			"customfield_10051": json.RawMessage(`{"value":"production"}`),
		},
	}
	createBody := `{"fields":{"project":{"key":"OPS"},"issuetype":{"name":"Bug"},"summary":"CI failed: acme/app ci/test on main",
		"description":"h3. CI failure\n{noformat}\nboom\n{noformat}","labels":["ci-failure","ci-fp-0123456789ab"],
		"components":[{"name":"platform"}],"priority":{"name":"High"},
		"customfield_10050":"https://github.com/acme/app/actions/runs/1/attempts/1","customfield_10051":{"value":"production"}}}`
	for _, flavour := range []string{jiratest.Cloud, jiratest.DataCenter} {
		t.Run(flavour, func(t *testing.T) {
			t.Parallel()
			auth := "bearer"
			if flavour == jiratest.Cloud {
				auth = "basic:" + email
			}
			srv := jiratest.New(t, flavour, email, token, pat)
			c := newClient(t, srv, nil)
			ctx := t.Context()
			is, err := c.Create(ctx, create)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			if is.Key != "OPS-1" || is.ID != "10001" {
				t.Errorf("created %+v, want OPS-1/10001", is)
			}
			if err := c.Comment(ctx, is.Key, "CI failed again: [run|https://x/runs/2/attempts/1]"); err != nil {
				t.Fatalf("Comment: %v", err)
			}
			var state map[string]int
			found, err := c.Property(ctx, is.Key, "ci-notifier", &state)
			if err != nil || found {
				t.Fatalf("Property on a fresh issue: found=%v err=%v, want not found", found, err)
			}
			if err := c.SetProperty(ctx, is.Key, "ci-notifier", map[string]int{"comments": 1}); err != nil {
				t.Fatalf("SetProperty: %v", err)
			}
			if found, err := c.Property(ctx, is.Key, "ci-notifier", &state); err != nil || !found || state["comments"] != 1 {
				t.Fatalf("Property after set: %v found=%v err=%v", state, found, err)
			}
			ts, err := c.Transitions(ctx, is.Key)
			if err != nil {
				t.Fatalf("Transitions: %v", err)
			}
			if diff := cmp.Diff(ts[1], jira.Transition{ID: "31", Name: "Done", ToName: "Done"}); diff != "" {
				t.Errorf("transition (-got +want):\n%s", diff)
			}
			if err := c.DoTransition(ctx, is.Key, "31"); err != nil {
				t.Fatalf("DoTransition: %v", err)
			}
			want := []sent{
				{Method: "POST", Path: "/rest/api/2/issue", Auth: auth, Body: js(t, createBody)},
				{Method: "POST", Path: "/rest/api/2/issue/OPS-1/comment", Auth: auth, Body: js(t, `{"body":"CI failed again: [run|https://x/runs/2/attempts/1]"}`)},
				{Method: "GET", Path: "/rest/api/2/issue/OPS-1/properties/ci-notifier", Auth: auth},
				{Method: "PUT", Path: "/rest/api/2/issue/OPS-1/properties/ci-notifier", Auth: auth, Body: js(t, `{"comments":1}`)},
				{Method: "GET", Path: "/rest/api/2/issue/OPS-1/properties/ci-notifier", Auth: auth},
				{Method: "GET", Path: "/rest/api/2/issue/OPS-1/transitions", Auth: auth, Query: url.Values{"expand": {"transitions.fields"}}},
				{Method: "POST", Path: "/rest/api/2/issue/OPS-1/transitions", Auth: auth, Body: js(t, `{"update":{},"transition":{"id":"31"},"fields":{}}`)},
			}
			if diff := cmp.Diff(decoded(t, srv.Requests()), want); diff != "" {
				t.Errorf("requests (-got +want):\n%s", diff)
			}
			if got := srv.Issues()[0]; got.StatusCategory != "done" || len(got.Comments) != 1 {
				t.Errorf("stored issue %+v, want done with one comment", got)
			}
			// The dry-run builders describe exactly what was sent.
			call, err := jira.CreateCall(create)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(js(t, string(call.Body)), js(t, createBody)); diff != "" {
				t.Errorf("CreateCall body (-got +want):\n%s", diff)
			}
		})
	}
}

// TestGoJiraCommentBodyRejectedOnCloud shows why comments are sent raw.
func TestGoJiraCommentBodyRejectedOnCloud(t *testing.T) {
	t.Parallel()
	srv := jiratest.New(t, jiratest.Cloud, email, token, pat)
	key := srv.Seed(jiratest.Issue{Summary: "x", Labels: []string{label}})
	api, err := gojira.NewClient((&gojira.BasicAuthTransport{Username: email, Password: token}).Client(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, resp, err := api.Issue.AddCommentWithContext(t.Context(), key, &gojira.Comment{Body: "hello"})
	if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("go-jira AddComment on Cloud: err=%v, want 400", err)
	}
	if got := srv.Requests()[0].Body; !strings.Contains(got, `"avatarUrls":{}`) {
		t.Errorf("go-jira comment body %s no longer carries the empty author; re-check go-jira #604", got)
	}
	if err := newClient(t, srv, nil).Comment(t.Context(), key, "hello"); err != nil {
		t.Errorf("raw Comment: %v", err)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	miss := jira.CreateRequest{Project: "OPS", IssueType: "Bug", Summary: "s"}
	tests := []struct {
		name       string
		fault      *jiratest.Fault
		faults     int
		badCreds   bool
		op         func(ctx context.Context, c *jira.Client) error
		wantStatus int  // 0: no APIError expected
		transport  bool // a TransportError expected
		wantWaits  []time.Duration
		wantMsg    string
		wantCalls  int
	}{
		{
			name:  "429_with_retry_after_then_success",
			fault: &jiratest.Fault{Method: "GET", Path: "/rest/api/2/search/jql", Status: 429, Header: map[string]string{"Retry-After": "2"}},
			op: func(ctx context.Context, c *jira.Client) error {
				_, _, err := c.FindOpen(ctx, "OPS", label)
				return err
			},
			wantWaits: []time.Duration{2 * time.Second},
			wantCalls: 2,
		},
		{
			name:  "502_on_search_retried_get_is_idempotent",
			fault: &jiratest.Fault{Method: "GET", Path: "/rest/api/2/search/jql", Status: 502, Body: `{"message":"Bad Gateway"}`},
			op: func(ctx context.Context, c *jira.Client) error {
				_, _, err := c.FindOpen(ctx, "OPS", label)
				return err
			},
			wantWaits: []time.Duration{time.Second},
			wantCalls: 2,
		},
		{
			name:       "502_on_create_not_replayed",
			fault:      &jiratest.Fault{Method: "POST", Path: "/rest/api/2/issue", Status: 502, Body: `{"message":"Bad Gateway"}`},
			op:         func(ctx context.Context, c *jira.Client) error { _, err := c.Create(ctx, miss); return err },
			wantStatus: 502,
			wantMsg:    "Bad Gateway",
			wantCalls:  1,
		},
		{
			name:       "503_exhausted_after_three_tries",
			fault:      &jiratest.Fault{Method: "POST", Path: "/rest/api/2/issue", Status: 503, Body: `{"message":"Service Unavailable"}`, Times: 3},
			op:         func(ctx context.Context, c *jira.Client) error { _, err := c.Create(ctx, miss); return err },
			wantStatus: 503,
			wantWaits:  []time.Duration{time.Second, 2 * time.Second},
			wantMsg:    "Service Unavailable",
			wantCalls:  3,
		},
		{
			name: "400_not_retried_and_messages_kept",
			op: func(ctx context.Context, c *jira.Client) error {
				_, err := c.Create(ctx, jira.CreateRequest{Project: "OPS", IssueType: "Bug"})
				return err
			},
			wantStatus: 400,
			wantMsg:    "summary: You must specify a summary of the issue.",
			wantCalls:  1,
		},
		{
			name:       "401_bad_credentials",
			badCreds:   true,
			op:         func(ctx context.Context, c *jira.Client) error { return c.Comment(ctx, "OPS-1", "x") },
			wantStatus: 401,
			wantMsg:    "You are not authenticated",
			wantCalls:  1,
		},
		{
			name:      "dropped_connection_is_a_transport_error",
			fault:     &jiratest.Fault{Method: "POST", Path: "/rest/api/2/issue", Drop: true},
			op:        func(ctx context.Context, c *jira.Client) error { _, err := c.Create(ctx, miss); return err },
			transport: true,
			wantCalls: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := jiratest.New(t, jiratest.Cloud, email, token, pat)
			if tc.badCreds {
				srv.APIToken = "rotated"
			}
			if tc.fault != nil {
				srv.AddFault(*tc.fault)
			}
			var waits []time.Duration
			err := tc.op(t.Context(), newClient(t, srv, &waits))
			var apiErr *jira.APIError
			switch {
			case tc.wantStatus != 0:
				if !errors.As(err, &apiErr) || apiErr.Status != tc.wantStatus {
					t.Fatalf("err = %v, want APIError %d", err, tc.wantStatus)
				}
			case tc.transport:
				if !jira.IsTransport(err) {
					t.Fatalf("err = %v, want a TransportError", err)
				}
			case err != nil:
				t.Fatalf("err = %v, want success", err)
			}
			if err != nil && !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("err = %q, want it to contain %q", err, tc.wantMsg)
			}
			if err != nil && (strings.Contains(err.Error(), token) || strings.Contains(err.Error(), pat)) {
				t.Errorf("error leaks a credential: %v", err)
			}
			if diff := cmp.Diff(waits, tc.wantWaits); diff != "" {
				t.Errorf("waits (-got +want):\n%s", diff)
			}
			if got := len(srv.Requests()); got != tc.wantCalls {
				t.Errorf("requests = %d, want %d", got, tc.wantCalls)
			}
		})
	}
}

func TestCustomFieldCannotOverrideOwnFlags(t *testing.T) {
	t.Parallel()
	_, err := jira.CreateCall(jira.CreateRequest{Project: "OPS", Fields: map[string]json.RawMessage{"summary": json.RawMessage(`"x"`)}})
	if err == nil || !strings.Contains(err.Error(), `"summary"`) {
		t.Fatalf("err = %v, want a refusal naming summary", err)
	}
}
