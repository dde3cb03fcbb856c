package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/cli"
	"github.com/acme-platform/golden-path/tools/internal/httpretry"
	"github.com/acme-platform/golden-path/tools/internal/jira/jiratest"
)

const (
	email     = "alertbridge@example.com"
	apiToken  = "jira-token-SECRET-1"
	hookToken = "hook-token-SECRET-2"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

var goodEnv = map[string]string{"JIRA_EMAIL": email, "JIRA_API_TOKEN": apiToken, EnvToken: hookToken}

func TestRunRejectsBadConfig(t *testing.T) {
	t.Parallel()
	base := []string{"--base-url", "https://acme.atlassian.net", "--project", "OPS", "--addr", "127.0.0.1:0"}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown_flag", append(base, "--nope"), goodEnv, "flag provided but not defined: -nope"},
		{"extra_argument", append(base, "serve"), goodEnv, "unexpected arguments: serve (see --help)"},
		{"no_webhook_credentials", base, map[string]string{"JIRA_EMAIL": email, "JIRA_API_TOKEN": apiToken},
			"missing webhook credentials: set ALERTBRIDGE_TOKEN, or ALERTBRIDGE_USER and ALERTBRIDGE_PASSWORD"},
		{"basic_without_password", base, map[string]string{"JIRA_EMAIL": email, "JIRA_API_TOKEN": apiToken, EnvUser: "cm"},
			"missing webhook credentials: set ALERTBRIDGE_TOKEN, or ALERTBRIDGE_USER and ALERTBRIDGE_PASSWORD"},
		{"no_jira_credentials", base, map[string]string{EnvToken: hookToken}, "missing Jira credentials: Jira Cloud needs JIRA_EMAIL and JIRA_API_TOKEN"},
		{"no_project", []string{"--base-url", "https://acme.atlassian.net"}, goodEnv, "missing Jira project"},
		{"desk_without_request_type", append(base, "--service-desk-id", "4"), goodEnv, "a service desk needs both its id and a request type id"},
		{"bad_priorities", append(base, "--priorities", "critical"), goodEnv, `parse --priorities: "critical" is not severity=priority`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			err := runWith(t.Context(), deps{getenv: env(tt.env)}, tt.args, &bytes.Buffer{}, &stderr)
			if code := cli.Code(err); code != cli.BadInput {
				t.Fatalf("exit code %d (%v), want %d", code, err, cli.BadInput)
			}
			if diff := cmp.Diff(err.Error(), tt.want); diff != "" {
				t.Errorf("error (-got +want):\n%s", diff)
			}
		})
	}
}

// TestRunServesUntilCancelled starts the service on a free port against a
// fake Jira, delivers the documented open payload, and shuts it down.
func TestRunServesUntilCancelled(t *testing.T) {
	t.Parallel()
	fake := jiratest.New(t, jiratest.Cloud, email, apiToken, "")
	fake.AddServiceDesk("4", "OPS", "27")
	body, err := os.ReadFile("../internal/alertbridge/testdata/open.json")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	addr := make(chan string, 1)
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- runWith(ctx, deps{getenv: env(goodEnv), ready: func(a string) { addr <- a },
			transport: &httpretry.Transport{Sleep: func(context.Context, time.Duration) error { return nil }}},
			[]string{"--addr", "127.0.0.1:0", "--base-url", fake.URL, "--flavour", "cloud", "--project", "OPS",
				"--service-desk-id", "4", "--request-type-id", "27"}, &bytes.Buffer{}, &stderr)
	}()
	var url string
	select {
	case a := <-addr:
		url = "http://" + a + "/v1/cloud-monitoring"
	case err := <-done:
		t.Fatalf("run ended before listening: %v", err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url+"?auth_token="+hookToken, bytes.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d, want 200", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if n := len(fake.Issues()); n != 1 {
		t.Errorf("%d issues filed, want 1", n)
	}
	logs := stderr.String()
	for _, secret := range []string{apiToken, hookToken} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs carry a secret: %s", logs)
		}
	}
	if !strings.Contains(logs, `"severity":"INFO","message":"notification applied"`) {
		t.Errorf("logs lack the Cloud Logging shaped line: %s", logs)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
