package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/httpapi"
	"${{ values.goModule }}/pubsub"
	"${{ values.goModule }}/pubsub/pubsubtest"
	"${{ values.goModule }}/simulator"
	"${{ values.goModule }}/sqlitestore"
)

// TestMain lets the test binary act as the command (for the signal test).
func TestMain(m *testing.M) {
	if os.Getenv("FLIGHT_EVENTS_TEST_MAIN") == "1" {
		os.Args = append([]string{os.Args[0]}, strings.Fields(os.Getenv("FLIGHT_EVENTS_TEST_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newCLI(env map[string]string) (*cli, *syncBuffer, *syncBuffer) {
	var out, errb syncBuffer
	return &cli{getenv: func(k string) string { return env[k] }, stdin: strings.NewReader(""), stdout: &out, stderr: &errb}, &out, &errb
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ec *ExitCodeError
	if errors.As(err, &ec) {
		return ec.Code
	}
	return 1
}

func TestRunUsageAndExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantCode   int
		wantStdout string // substring
		wantErr    string // substring
	}{
		{name: "no_command", args: nil, wantCode: ExitBadInput, wantErr: "no command"},
		{name: "help", args: []string{"help"}, wantCode: 0, wantStdout: "Commands:"},
		{name: "unknown_command", args: []string{"fly"}, wantCode: ExitBadInput, wantErr: `unknown command "fly"`},
		{name: "bad_flag", args: []string{"serve", "--nope"}, wantCode: ExitBadInput, wantErr: "serve"},
		{name: "stray_argument", args: []string{"serve", "extra"}, wantCode: ExitBadInput, wantErr: "unexpected arguments"},
		{name: "flag_help_is_success", args: []string{"publish", "-h"}, wantCode: 0},
		{name: "bad_env", args: []string{"serve"}, env: map[string]string{"PORT": "eighty"}, wantCode: ExitBadInput, wantErr: "PORT"},
		{name: "bad_openapi_format", args: []string{"openapi", "--format", "xml"}, wantCode: ExitBadInput, wantErr: "yaml or json"},
		{name: "bad_simulator_ratio", args: []string{"publish", "--duplicates", "0.8", "--malformed", "0.8"}, wantCode: ExitBadInput, wantErr: "ratios"},
		{name: "bad_start", args: []string{"local", "--start", "yesterday"}, wantCode: ExitBadInput, wantErr: "RFC 3339"},
		{name: "bad_streams", args: []string{"subscribe", "--streams", "0"}, wantCode: ExitBadInput, wantErr: "streams"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, out, _ := newCLI(tt.env)
			err := c.run(t.Context(), tt.args)
			if got := exitCode(err); got != tt.wantCode {
				t.Fatalf("exit code %d (%v), want %d", got, err, tt.wantCode)
			}
			if tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			if !strings.Contains(out.String(), tt.wantStdout) {
				t.Errorf("stdout %q does not contain %q", out.String(), tt.wantStdout)
			}
		})
	}
}

func TestOpenAPICommand(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"yaml", "json"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			c, out, _ := newCLI(nil)
			if err := c.run(t.Context(), []string{"openapi", "--format", format}); err != nil {
				t.Fatal(err)
			}
			want, err := httpapi.OpenAPI(format)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(out.String(), string(want)); diff != "" {
				t.Errorf("openapi --format %s (-got +want):\n%s", format, diff)
			}
		})
	}
}

// start runs a command in the background and returns the API base URL
// once it listens, and a stop function that cancels it and returns how long
// run took to return after cancellation, and run's error.
func start(t *testing.T, c *cli, args ...string) (string, func() (time.Duration, error)) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan string, 1)
	c.ready = func(base string) { ready <- base }
	done := make(chan error, 1)
	go func() { done <- c.run(ctx, args) }()
	var base string
	select {
	case base = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("%v exited before listening: %v", args, err)
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatalf("%v did not listen within 60 s", args)
	}
	return base, func() (time.Duration, error) {
		cancel()
		begin := time.Now()
		select {
		case err := <-done:
			return time.Since(begin), err
		case <-time.After(15 * time.Second):
			t.Fatalf("%v did not return within 15 s of cancellation", args)
			return 0, nil
		}
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d: %s", url, resp.StatusCode, body)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v: %s", url, err, body)
		}
	}
}

func TestLocalMode(t *testing.T) {
	t.Parallel()
	c, out, _ := newCLI(map[string]string{"PORT": "0"})
	base, stop := start(t, c, "local", "--count", "300", "--streams", "16", "--seed", "5")
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "Ingested the burst") {
		if time.Now().After(deadline) {
			t.Fatalf("burst not ingested within 60 s; stdout:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	var got []httpapi.FlightEvent
	getJSON(t, base+"/datos?limit=1000", &got)
	if len(got) < 250 {
		t.Errorf("GET /datos returned %d events after a burst of 300 with few duplicates/malformed", len(got))
	}
	getJSON(t, base+"/healthz", nil)
	getJSON(t, base+"/readyz", nil)
	resp, err := http.Get(base + "/docs")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /docs = %d", resp.StatusCode)
	}
	took, err := stop()
	if err != nil {
		t.Fatalf("local returned %v", err)
	}
	if took > 10*time.Second {
		t.Errorf("local took %s to stop, want <= 10 s", took)
	}
	for _, want := range []string{"API:  " + base + "/datos", "Docs: " + base + "/docs"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out.String())
		}
	}
}

func TestServeReadsStoreFromConfig(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "events.db")
	store, err := sqlitestore.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	events := []flightevents.Event{
		{EventID: "a", FlightID: "IB3456", Status: flightevents.StatusBoarding, Timestamp: ts},
		{EventID: "b", FlightID: "IB3456", Status: flightevents.StatusDeparted, Timestamp: ts.Add(time.Minute)},
	}
	if _, err := store.WriteEvents(t.Context(), events); err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	c, _, _ := newCLI(map[string]string{"PORT": "0", "SQLITE_PATH": path})
	base, stop := start(t, c, "serve")
	var got []httpapi.FlightEvent
	getJSON(t, base+"/datos?flight_id=IB3456", &got)
	want := []httpapi.FlightEvent{
		{FlightID: "IB3456", Status: "departed", Timestamp: ts.Add(time.Minute)},
		{FlightID: "IB3456", Status: "boarding", Timestamp: ts},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("GET /datos (-got +want):\n%s", diff)
	}
	if _, err := stop(); err != nil {
		t.Fatalf("serve returned %v", err)
	}
}

// TestPublishAndSubscribeThroughEmulator runs the publish and subscribe
// commands against pstest through PUBSUB_EMULATOR_HOST, which the Pub/Sub
// client reads from the process environment (so this test is not parallel).
func TestPublishAndSubscribeThroughEmulator(t *testing.T) {
	// The subscription exists before publishing.
	local := pubsubtest.Start(t, "emu-proj", pubsub.Names{Topic: "ev", Subscription: "ev-sub", DeadLetterTopic: "ev-dead-letter"})
	t.Setenv("PUBSUB_EMULATOR_HOST", local.Server.Addr)
	path := filepath.Join(t.TempDir(), "events.db")
	env := map[string]string{"GOOGLE_CLOUD_PROJECT": "emu-proj", "PUBSUB_TOPIC": "ev", "SQLITE_PATH": path, "PUBSUB_STREAMS": "16"}
	simArgs := []string{"--count", "400", "--seed", "3", "--start", "2026-11-20T00:00:00Z", "--duplicates", "0.1", "--malformed", "0.1"}

	c, out, _ := newCLI(env)
	if err := c.run(t.Context(), append([]string{"publish", "--create"}, simArgs...)); err != nil {
		t.Fatalf("publish: %v", err)
	}
	if !strings.Contains(out.String(), "published 400 of 400") {
		t.Errorf("publish output: %q", out.String())
	}
	msgs, err := simulator.Generate(simulator.Config{Count: 400, Seed: 3, Start: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), DuplicateRatio: 0.1, MalformedRatio: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := simulator.Expected(msgs)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	sc, _, _ := newCLI(env)
	done := make(chan error, 1)
	go func() { done <- sc.run(ctx, []string{"subscribe", "--create"}) }()
	reader, err := sqlitestore.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	count := func() int {
		page, err := reader.ListEvents(t.Context(), flightevents.EventFilter{Since: time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), Limit: flightevents.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		return len(page.Events)
	}
	deadline := time.Now().Add(60 * time.Second)
	for count() < len(want) {
		if time.Now().After(deadline) {
			t.Fatalf("store holds %d of %d events after 60 s", count(), len(want))
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("subscribe: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("subscribe did not stop within 10 s")
	}
	if got := count(); got != len(want) {
		t.Errorf("store holds %d events, want %d", got, len(want))
	}
}

// TestSIGTERMStopsLocalMode runs the binary's main in a child process and
// checks that SIGTERM makes it exit with status 0 within 10 s.
func TestSIGTERMStopsLocalMode(t *testing.T) {
	t.Parallel()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FLIGHT_EVENTS_TEST_MAIN=1", "FLIGHT_EVENTS_TEST_ARGS=local --count 3000 --streams 16", "PORT=0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var base string
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "API:  "); ok {
			base = strings.TrimSuffix(rest, "/datos")
			break
		}
	}
	if base == "" {
		_ = cmd.Process.Kill()
		t.Fatalf("no API URL printed; stderr:\n%s", stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	// Let ingest run, then terminate in the middle of it.
	getJSON(t, base+"/healthz", nil)
	time.Sleep(300 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v; stderr:\n%s", err, stderr.String())
		}
		t.Logf("exited %s after SIGTERM", time.Since(begin))
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("still running 10 s after SIGTERM; stderr:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), `"message":"stopped"`) {
		t.Errorf("no orderly stop logged; stderr:\n%s", stderr.String())
	}
}
