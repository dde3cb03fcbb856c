package backstagee2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acme-platform/golden-path/tools/internal/repotest"
)

// backstage is a running backend.js: its base URL and its log.
type backstage struct {
	baseURL string
	logPath string
	client  *http.Client
}

// appConfig is the generated app-config.yaml (JSON is YAML): the backend on 127.0.0.1:port, PostgreSQL on its
// socket, the github.com integration on the fake (a GitHub Enterprise-style apiBaseUrl), and a catalog that
// accepts the kinds the platform registers.
func appConfig(port int, pg *postgres, gh *githubFake, catalogToken string) map[string]any {
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	return map[string]any{
		"app": map[string]any{"baseUrl": "http://127.0.0.1:3000"},
		"backend": map[string]any{
			"baseUrl": base,
			"listen":  map[string]any{"host": "127.0.0.1", "port": port},
			// No auth plugin: the test calls the APIs without a user token, as the dry-run oracle does.
			"auth": map[string]any{"dangerouslyDisableDefaultAuthPolicy": true},
			"database": map[string]any{
				"client":     "pg",
				"connection": map[string]any{"host": pg.socketDir, "port": 5432, "user": "postgres"},
			},
		},
		"integrations": map[string]any{
			"github": []any{map[string]any{
				"host":       "github.com",
				"apiBaseUrl": gh.apiBaseURL(),
				"rawBaseUrl": gh.rawBaseURL(),
				"token":      catalogToken,
			}},
		},
		"catalog": map[string]any{
			"rules": []any{map[string]any{"allow": []string{"Component", "API", "Location", "Template", "System", "Group", "User", "Resource", "Domain"}}},
		},
		"scaffolder": map[string]any{
			"defaultAuthor":        map[string]any{"name": "Backstage Scaffolder", "email": "scaffolder@acme.example"},
			"defaultCommitMessage": "Initial commit from the golden-path template",
		},
	}
}

// freePort returns a TCP port on 127.0.0.1 nothing listens on now. Backstage must know its own base URL
// before it listens (its discovery hands it to the plugins), so it cannot be given port 0.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// requireBackend returns the node binary once the backend's npm packages are installed; without them the
// test fails in CI and is skipped elsewhere (repotest.Missing).
func requireBackend(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(repotest.Path(t, "tools/backstage-e2e/node_modules/@backstage/backend-defaults")); err != nil {
		repotest.Missing(t, fmt.Sprintf("the Backstage backend is not installed (%v)", err), "run `make deps` (npm ci in tools/backstage-e2e)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		repotest.Missing(t, "node is not on PATH", "install Node.js 20 (make deps needs it too)")
	}
	return node
}

// startBackstage starts `node backend.js` with the generated config and waits until its readiness endpoint
// answers 200. The process is stopped at cleanup; its log is printed when the test failed.
func startBackstage(t *testing.T, node string, pg *postgres, gh *githubFake, catalogToken string) *backstage {
	t.Helper()
	dir := repotest.Path(t, "tools/backstage-e2e")
	port := freePort(t)
	cfg, err := json.MarshalIndent(appConfig(port, pg, gh, catalogToken), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	cfgPath := filepath.Join(tmp, "app-config.yaml")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(tmp, "backend.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "backend.js", "--config", cfgPath)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NODE_ENV=production", "LOG_LEVEL=warn", "NODE_OPTIONS=--no-deprecation")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start backend: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	b := &backstage{baseURL: fmt.Sprintf("http://127.0.0.1:%d", port), logPath: logPath, client: &http.Client{Timeout: 2 * time.Minute}}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		logFile.Close()
		if t.Failed() {
			b.dumpLog(t)
		}
	})
	deadline := time.Now().Add(4 * time.Minute)
	for {
		select {
		case err := <-exited:
			exited <- err
			b.dumpLog(t)
			t.Fatalf("backend exited before it was ready: %v", err)
		case <-time.After(500 * time.Millisecond):
		}
		resp, err := b.client.Get(b.baseURL + "/.backstage/health/v1/readiness")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return b
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("backend not ready after 4 minutes (last: %v)", err)
		}
	}
}

func (b *backstage) dumpLog(t *testing.T) {
	t.Helper()
	raw, _ := os.ReadFile(b.logPath)
	lines := strings.Split(string(raw), "\n")
	if len(lines) > 80 {
		lines = lines[len(lines)-80:]
	}
	t.Logf("backend log (last %d lines):\n%s", len(lines), strings.Join(lines, "\n"))
}

// call sends a request with a JSON body (unless body is nil) and decodes a JSON answer into out (unless nil);
// it returns the status and the raw answer.
func (b *backstage) call(ctx context.Context, method, path string, body, out any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.baseURL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("read %s %s: %w", method, path, err)
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, raw, fmt.Errorf("decode %s %s: %w", method, path, err)
		}
	}
	return resp.StatusCode, raw, nil
}

// taskEvent is one event of a scaffolder task's event stream.
type taskEvent struct {
	Type string `json:"type"`
	Body struct {
		Message string         `json:"message"`
		Status  string         `json:"status"`
		StepID  string         `json:"stepId"`
		Output  map[string]any `json:"output"`
	} `json:"body"`
}

// followTask reads GET /api/scaffolder/v2/tasks/{id}/eventstream (server-sent events) until the completion
// event and returns every event.
func (b *backstage) followTask(ctx context.Context, id string) ([]taskEvent, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.baseURL+"/api/scaffolder/v2/tasks/"+id+"/eventstream", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := (&http.Client{}).Do(req) // no client timeout: the context bounds the stream
	if err != nil {
		return nil, fmt.Errorf("open event stream: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("open event stream: %s: %s", resp.Status, raw)
	}
	var events []taskEvent
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var ev taskEvent
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			return events, fmt.Errorf("decode event %q: %w", data, err)
		}
		events = append(events, ev)
		if ev.Type == "completion" || ev.Type == "cancelled" {
			return events, nil
		}
	}
	if err := sc.Err(); err != nil {
		return events, fmt.Errorf("read event stream: %w", err)
	}
	return events, errors.New("event stream ended without a completion event")
}

// waitFor polls fn every 250 ms until it returns true or the deadline passes; it then fails with what fn
// last reported.
func waitFor(t *testing.T, what string, within time.Duration, fn func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, last := fn()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s; last: %s", what, within, last)
		}
		select {
		case <-t.Context().Done():
			t.Fatalf("%s: %v", what, t.Context().Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}
