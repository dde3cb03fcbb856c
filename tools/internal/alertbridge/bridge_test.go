package alertbridge_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/alertbridge"
	"github.com/acme-platform/golden-path/tools/internal/httpretry"
	"github.com/acme-platform/golden-path/tools/internal/jira"
	"github.com/acme-platform/golden-path/tools/internal/jira/jiratest"
	"github.com/acme-platform/golden-path/tools/internal/redact"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const (
	email      = "alertbridge@example.com"
	apiToken   = "jira-token-SECRET-1"
	hookToken  = "hook-token-SECRET-2"
	openedAt   = 1796544000 // started_at of testdata/open.json
	runbookURL = "https://github.com/acme-platform/flight-events/blob/main/docs/runbook.md"
)

// clock is a settable test clock shared by the bridge and the fake Jira.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

type env struct {
	jira  *jiratest.Server
	clock *clock
	cfg   alertbridge.Config
	retry *httpretry.Transport
	srv   *httptest.Server
}

func newEnv(t *testing.T, serviceDesk bool) *env {
	t.Helper()
	e := &env{clock: &clock{now: time.Unix(openedAt+60, 0).UTC()}}
	e.jira = jiratest.New(t, jiratest.Cloud, email, apiToken, "")
	e.jira.SetClock(e.clock.Now)
	e.jira.AddServiceDesk("4", "OPS", "27")
	e.jira.SetTransitions(
		jiratest.Transition{ID: "11", Name: "Start Progress", To: "In Progress", ToCategory: "indeterminate"},
		jiratest.Transition{ID: "761", Name: "Resolve", To: "Resolved", ToCategory: "done"},
	)
	e.cfg = alertbridge.Config{Project: "OPS", IssueType: "Bug", ResolveTransition: "Resolve", Window: 30 * time.Minute,
		RunbookURL: runbookURL, Now: e.clock.Now}
	if serviceDesk {
		e.cfg.ServiceDeskID, e.cfg.RequestTypeID = "4", "27"
	}
	e.retry = &httpretry.Transport{Jitter: func() float64 { return 1 }, Sleep: func(context.Context, time.Duration) error { return nil }}
	e.restart(t)
	return e
}

// restart replaces the bridge with a new process (empty memory), same Jira.
func (e *env) restart(t *testing.T) {
	t.Helper()
	if e.srv != nil {
		e.srv.Close()
	}
	c, err := jira.New(jira.Config{BaseURL: e.jira.URL, Flavour: jira.Cloud,
		Credentials: jira.Credentials{Email: email, APIToken: apiToken}, Transport: e.retry})
	if err != nil {
		t.Fatalf("jira.New: %v", err)
	}
	b, err := alertbridge.New(c, e.cfg, redact.New(apiToken, hookToken))
	if err != nil {
		t.Fatalf("alertbridge.New: %v", err)
	}
	e.srv = httptest.NewServer(alertbridge.Handler(b, alertbridge.Auth{Token: hookToken}, slog.New(slog.DiscardHandler)))
	t.Cleanup(e.srv.Close)
}

// post delivers body as Cloud Monitoring does and returns status and body.
func (e *env) post(t *testing.T, body []byte, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+alertbridge.Route, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func readPayload(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// variant is payload name with incident id, start and end replaced (end 0 keeps it).
func variant(t *testing.T, name, id string, started, ended int64) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(readPayload(t, name), &m); err != nil {
		t.Fatal(err)
	}
	in := m["incident"].(map[string]any)
	in["incident_id"] = id
	in["url"] = "https://console.cloud.google.com/monitoring/alerting/incidents/" + id + "?project=acme-flight-events-prod"
	in["started_at"] = started
	if ended != 0 {
		in["ended_at"] = ended
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// call is one Jira request as the golden files show it.
type call struct {
	Method string     `json:"method"`
	Path   string     `json:"path"`
	Query  url.Values `json:"query,omitempty"`
	Auth   string     `json:"auth"`
	Body   any        `json:"body,omitempty"`
}

// step is one delivery and what it caused.
type step struct {
	Delivery string `json:"delivery"`
	Status   int    `json:"status"`
	Response any    `json:"response"`
	Jira     []call `json:"jira"`
}

type delivery struct {
	name    string
	body    []byte
	token   string
	at      int64 // clock, Unix seconds; 0 keeps it
	restart bool  // a new bridge process before this delivery
	before  func(t *testing.T, e *env)
}

// resolveByHand moves OPS-1 to Done as a person would, and stops offering
// the resolve transition (Jira offers none from Done in this workflow).
func resolveByHand(t *testing.T, e *env) {
	t.Helper()
	c, err := jira.New(jira.Config{BaseURL: e.jira.URL, Flavour: jira.Cloud, Credentials: jira.Credentials{Email: email, APIToken: apiToken}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DoTransition(t.Context(), "OPS-1", "761"); err != nil {
		t.Fatalf("resolve by hand: %v", err)
	}
	e.jira.SetTransitions(jiratest.Transition{ID: "3", Name: "Reopen", To: "To Do", ToCategory: "new"})
}

func TestDocumentedPayloads(t *testing.T) {
	t.Parallel()
	open := func(t *testing.T) []byte { return readPayload(t, "open.json") }
	closed := func(t *testing.T) []byte { return readPayload(t, "closed.json") }
	tests := []struct {
		name        string
		serviceDesk bool
		faults      []jiratest.Fault
		deliveries  func(t *testing.T) []delivery
	}{
		{name: "open_service_desk", serviceDesk: true, deliveries: func(t *testing.T) []delivery {
			return []delivery{{name: "open.json", body: open(t)}}
		}},
		{name: "open_plain_jira", deliveries: func(t *testing.T) []delivery {
			return []delivery{{name: "open.json", body: open(t)}}
		}},
		{name: "open_then_closed", serviceDesk: true, deliveries: func(t *testing.T) []delivery {
			return []delivery{{name: "open.json", body: open(t)}, {name: "closed.json", body: closed(t), at: openedAt + 2800}}
		}},
		{name: "redelivered", serviceDesk: true, deliveries: func(t *testing.T) []delivery {
			return []delivery{
				{name: "open.json", body: open(t)},
				{name: "open.json again, same process", body: open(t)},
				{name: "open.json again, new process", body: open(t), restart: true},
				{name: "closed.json", body: closed(t), at: openedAt + 2800},
				{name: "closed.json again, new process", body: closed(t), restart: true},
			}
		}},
		{name: "closed_without_open", serviceDesk: true, deliveries: func(t *testing.T) []delivery {
			return []delivery{{name: "closed.json", body: closed(t), at: openedAt + 2800}}
		}},
		{name: "repeated_open_within_window", serviceDesk: true, deliveries: func(t *testing.T) []delivery {
			return []delivery{
				{name: "open.json", body: open(t)},
				{name: "open of a second incident, 10 min later", body: variant(t, "open.json", "0.second", openedAt+600, 0), at: openedAt + 660},
				{name: "closed.json", body: closed(t), at: openedAt + 2800},
				{name: "close of the second incident", body: variant(t, "closed.json", "0.second", openedAt+600, openedAt+3000), at: openedAt + 3060},
			}
		}},
		{name: "repeated_open_after_window", serviceDesk: true, deliveries: func(t *testing.T) []delivery {
			return []delivery{
				{name: "open.json", body: open(t)},
				{name: "open of a second incident, 2 h later", body: variant(t, "open.json", "0.second", openedAt+7200, 0), at: openedAt + 7260},
			}
		}},
		{name: "resolved_by_hand", serviceDesk: true, deliveries: func(t *testing.T) []delivery {
			return []delivery{
				{name: "open.json", body: open(t)},
				{name: "closed.json after a person resolved OPS-1", body: closed(t), at: openedAt + 2800, before: resolveByHand},
				{name: "open of a second incident, 5 min later", body: variant(t, "open.json", "0.second", openedAt+3000, 0), at: openedAt + 3060},
			}
		}},
		{name: "malformed", serviceDesk: true, deliveries: func(t *testing.T) []delivery {
			return []delivery{
				{name: "malformed.json", body: readPayload(t, "malformed.json")},
				{name: "not json", body: []byte(`{"incident": `)},
			}
		}},
		{name: "wrong_token", serviceDesk: true, deliveries: func(t *testing.T) []delivery {
			return []delivery{
				{name: "open.json, wrong token", body: open(t), token: "hook-token-SECRET-3"},
				{name: "open.json, no token", body: open(t), token: "-"},
			}
		}},
		{name: "jira_refuses_until_retries_run_out", serviceDesk: true,
			faults: []jiratest.Fault{{Method: http.MethodPost, Path: "/rest/servicedeskapi/request", Status: http.StatusServiceUnavailable,
				Header: map[string]string{"Retry-After": "2"}, Body: `{"errorMessages":["busy"]}`, Times: 3}},
			deliveries: func(t *testing.T) []delivery {
				return []delivery{{name: "open.json", body: open(t)}, {name: "open.json, Cloud Monitoring retries", body: open(t)}}
			}},
		{name: "jira_500_on_create", serviceDesk: true,
			faults: []jiratest.Fault{{Method: http.MethodPost, Path: "/rest/servicedeskapi/request", Status: http.StatusInternalServerError, Body: `{"errorMessages":["oops"]}`}},
			deliveries: func(t *testing.T) []delivery {
				return []delivery{{name: "open.json", body: open(t)}, {name: "open.json, Cloud Monitoring retries", body: open(t)}}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tt.serviceDesk)
			for _, f := range tt.faults {
				e.jira.AddFault(f)
			}
			var got []step
			for _, d := range tt.deliveries(t) {
				if d.restart {
					e.restart(t)
				}
				if d.before != nil {
					d.before(t, e)
				}
				if d.at != 0 {
					e.clock.Set(time.Unix(d.at, 0).UTC())
				}
				before := len(e.jira.Requests())
				token := d.token
				switch token {
				case "":
					token = hookToken
				case "-":
					token = ""
				}
				status, body := e.post(t, d.body, token)
				var resp any
				if err := json.Unmarshal([]byte(body), &resp); err != nil {
					t.Fatalf("%s: response is not JSON: %q", d.name, body)
				}
				got = append(got, step{Delivery: d.name, Status: status, Response: resp, Jira: calls(t, e.jira.Requests()[before:])})
			}
			golden(t, filepath.Join("testdata", tt.name+".golden.json"), got)
		})
	}
}

func calls(t *testing.T, rs []jiratest.Request) []call {
	t.Helper()
	out := []call{}
	for _, r := range rs {
		c := call{Method: r.Method, Path: r.Path, Auth: r.Auth}
		if len(r.Query) > 0 {
			c.Query = r.Query
		}
		if r.Body != "" {
			if err := json.Unmarshal([]byte(r.Body), &c.Body); err != nil {
				t.Fatalf("%s %s: body is not JSON: %v", r.Method, r.Path, err)
			}
		}
		out = append(out, c)
	}
	return out
}

func golden(t *testing.T, path string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(b), string(want)); diff != "" {
		t.Errorf("%s mismatch (-got +want):\n%s", path, diff)
	}
}

// TestFingerprintIsStable pins the label scheme: a change would make every
// redelivery after a deploy file a second ticket.
func TestFingerprintIsStable(t *testing.T) {
	t.Parallel()
	in := alertbridge.Incident{IncidentID: "0.opqiw61fsv7p", PolicyName: "flight-events latency p99 > 1.5 s"}
	got := []string{alertbridge.Fingerprint(in), alertbridge.PolicyLabel(in.PolicyName)}
	want := []string{"alert-9c1f4386c27db204", "alert-policy-124fbf0c3e47"}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("labels (-got +want):\n%s", diff)
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	auth := alertbridge.Auth{Token: "t0ken", User: "cloud-monitoring", Password: "pa55"}
	tests := []struct {
		name string
		req  func(r *http.Request)
		want bool
	}{
		{"bearer", func(r *http.Request) { r.Header.Set("Authorization", "Bearer t0ken") }, true},
		{"bearer_lowercase_scheme", func(r *http.Request) { r.Header.Set("Authorization", "bearer t0ken") }, true},
		{"bearer_wrong", func(r *http.Request) { r.Header.Set("Authorization", "Bearer t0ke") }, false},
		{"bearer_longer", func(r *http.Request) { r.Header.Set("Authorization", "Bearer t0ken2") }, false},
		{"query_token", func(r *http.Request) { r.URL.RawQuery = "auth_token=t0ken" }, true},
		{"query_token_wrong", func(r *http.Request) { r.URL.RawQuery = "auth_token=x" }, false},
		{"basic", func(r *http.Request) { r.SetBasicAuth("cloud-monitoring", "pa55") }, true},
		{"basic_wrong_user", func(r *http.Request) { r.SetBasicAuth("someone", "pa55") }, false},
		{"basic_wrong_password", func(r *http.Request) { r.SetBasicAuth("cloud-monitoring", "pa56") }, false},
		{"basic_password_as_token", func(r *http.Request) { r.Header.Set("Authorization", "Bearer pa55") }, false},
		{"none", func(*http.Request) {}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, alertbridge.Route, nil)
			tt.req(r)
			if got := auth.Valid(r); got != tt.want {
				t.Errorf("Valid = %v, want %v", got, tt.want)
			}
		})
	}
	if (alertbridge.Auth{}).Valid(httptest.NewRequest(http.MethodPost, alertbridge.Route+"?auth_token=", nil)) {
		t.Error("an empty Auth accepted a request")
	}
}

// TestSoak delivers 1,000 notifications (open and close of 450 incidents of
// 30 policies over two days, plus 100 redeliveries at random later points)
// while the fake Jira refuses one request in five with 429 or 503. Cloud
// Monitoring's own retry is modelled: a 503 from the bridge is delivered
// again. The bridge restarts (loses its memory) every 100 deliveries.
// Afterwards every incident is on exactly one ticket, every close was
// commented exactly once and every ticket is resolved.
func TestSoak(t *testing.T) {
	t.Parallel()
	const (
		incidents    = 450
		policies     = 30
		redeliveries = 100
		refuseRate   = 0.2
	)
	e := newEnv(t, true)
	rng := rand.New(rand.NewPCG(19, 2026))
	chaos := rand.New(rand.NewPCG(19, 429))
	refused := 0
	e.jira.SetChaos(func(string, string) int {
		if chaos.Float64() >= refuseRate {
			return 0
		}
		refused++
		if chaos.IntN(2) == 0 {
			return http.StatusTooManyRequests
		}
		return http.StatusServiceUnavailable
	})
	var waited time.Duration
	var waitMu sync.Mutex
	e.retry.Sleep = func(_ context.Context, d time.Duration) error {
		waitMu.Lock()
		waited += d
		waitMu.Unlock()
		return nil
	}

	type event struct {
		at   int64
		body []byte
		id   string
	}
	var events []event
	start := int64(openedAt)
	policyOf := map[string]string{}
	for i := range incidents {
		id := fmt.Sprintf("0.soak%03d", i)
		policy := fmt.Sprintf("soak policy %02d", rng.IntN(policies))
		policyOf[id] = policy
		opened := start + rng.Int64N(48*3600)
		ended := opened + 60 + rng.Int64N(3*3600)
		events = append(events,
			event{at: opened, id: id, body: soakPayload(t, id, policy, "open", opened, 0)},
			event{at: ended, id: id, body: soakPayload(t, id, policy, "closed", opened, ended)})
	}
	slices.SortStableFunc(events, func(a, b event) int { return int(a.at - b.at) })
	for range redeliveries {
		i := rng.IntN(len(events))
		j := i + 1 + rng.IntN(len(events)-i)
		dup := events[i]
		dup.at = events[min(j, len(events)-1)].at
		events = slices.Insert(events, j, dup)
	}
	if len(events) != 1000 {
		t.Fatalf("scripted %d notifications, want 1000", len(events))
	}

	bridge503 := 0
	for n, ev := range events {
		if n > 0 && n%100 == 0 {
			e.restart(t)
		}
		e.clock.Set(time.Unix(ev.at+5, 0).UTC())
		for attempt := 1; ; attempt++ {
			status, body := e.post(t, ev.body, hookToken)
			if status == http.StatusOK {
				break
			}
			if status != http.StatusServiceUnavailable || attempt == 10 {
				t.Fatalf("notification %d (%s) attempt %d: %d %s", n, ev.id, attempt, status, body)
			}
			bridge503++
		}
	}

	issues := e.jira.Issues()
	onTicket := map[string]int{}
	closeComments := map[string]int{}
	for _, is := range issues {
		if is.StatusCategory != "done" {
			t.Errorf("%s is %q, want resolved", is.Key, is.Status)
		}
		for _, l := range is.Labels {
			if strings.HasPrefix(l, "alert-") && !strings.HasPrefix(l, "alert-policy-") && !strings.HasPrefix(l, "alert-closed-") {
				onTicket[l]++
			}
		}
		for _, c := range is.Comments {
			if strings.HasPrefix(c, "Cloud Monitoring closed incident [") {
				closeComments[strings.TrimPrefix(strings.SplitN(c, "|", 2)[0], "Cloud Monitoring closed incident [")]++
			}
		}
	}
	for i := range incidents {
		id := fmt.Sprintf("0.soak%03d", i)
		fp := alertbridge.Fingerprint(alertbridge.Incident{IncidentID: id, PolicyName: policyOf[id]})
		if onTicket[fp] != 1 {
			t.Errorf("incident %s is on %d tickets, want 1", id, onTicket[fp])
		}
		if closeComments[id] != 1 {
			t.Errorf("incident %s has %d close comments, want 1", id, closeComments[id])
		}
	}
	creates := 0
	for _, r := range e.jira.Requests() {
		if r.Method == http.MethodPost && r.Path == "/rest/servicedeskapi/request" {
			creates++
		}
	}
	t.Logf("soak: %d notifications (%d redeliveries), %d tickets for %d incidents, %d Jira requests (%d create attempts), %d refused by the fake, %d answered 503 by the bridge and redelivered, %s of injected retry waits",
		len(events), redeliveries, len(issues), incidents, len(e.jira.Requests()), creates, refused, bridge503, waited)
	if bridge503 == 0 || refused == 0 {
		t.Errorf("the soak exercised no failure: %d refusals, %d bridge 503s", refused, bridge503)
	}
}

func soakPayload(t *testing.T, id, policy, state string, started, ended int64) []byte {
	t.Helper()
	in := map[string]any{
		"incident_id": id, "url": "https://console.cloud.google.com/monitoring/alerting/incidents/" + id,
		"severity": "Warning", "state": state, "started_at": started, "ended_at": nil,
		"summary": "soak", "policy_name": policy, "condition_name": "soak condition",
		"resource": map[string]any{"type": "cloud_run_revision", "labels": map[string]string{"service_name": "flight-events"}},
	}
	if ended != 0 {
		in["ended_at"] = ended
	}
	b, err := json.Marshal(map[string]any{"incident": in, "version": "1.2"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestConcurrentRedeliveries: Cloud Monitoring may deliver the same
// notification on several connections at once; one ticket results.
func TestConcurrentRedeliveries(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	body := readPayload(t, "open.json")
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Go(func() { statuses[i], _ = e.post(t, body, hookToken) })
	}
	wg.Wait()
	if diff := cmp.Diff(statuses, []int{200, 200, 200, 200, 200, 200, 200, 200}); diff != "" {
		t.Errorf("statuses (-got +want):\n%s", diff)
	}
	if n := len(e.jira.Issues()); n != 1 {
		t.Errorf("%d tickets, want 1", n)
	}
}
