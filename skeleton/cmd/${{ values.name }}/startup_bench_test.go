package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"${{ values.goModule }}/pubsub"
	"${{ values.goModule }}/pubsub/pubsubtest"
)

// BenchmarkStartToReady measures what Cloud Run's startup probe waits for:
// from starting the binary to the first 200 from GET /readyz, and reports
// ms_to_ready (the mean per start). /readyz is polled every millisecond,
// which bounds the error. Each binary is built once, as the Dockerfile
// builds the image's (buildService: CGO_ENABLED=0, -trimpath,
// -ldflags="-s -w"), and started with Cloud Run's environment (K_SERVICE,
// PORT); Pub/Sub is pstest in this process (PUBSUB_EMULATOR_HOST).
//
//   - *_bigquery_fake: the production binary (-tags production, the image's)
//     on the BigQuery store pointed at the kit's fake (BIGQUERY_ENDPOINT, in
//     this process): /readyz then includes a tables.get through the real
//     client. These cases also report binary_MB, the production binary's size
//     in MB (10^6 bytes), and image_MB, that plus the distroless/static base
//     (distrolessBaseBytes: documented, not measured; no registry here).
//   - *_sqlite: the same build without the tag (the local-only code in), on a
//     file-backed SQLite store; binary_MB is that binary's size.
func BenchmarkStartToReady(b *testing.B) {
	prod := buildService(b, filepath.Join(b.TempDir(), "service"), "production")
	local := buildService(b, filepath.Join(b.TempDir(), "service-local"), "")

	names := pubsub.Names{Topic: "ev", Subscription: "ev-sub", DeadLetterTopic: "ev-dead-letter", DeadLetterSubscription: "ev-dead-letter-sub", AckDeadline: 10 * time.Second}
	ps := pubsubtest.Start(b, "startup-proj", names)
	fake := startBigQueryFake(b, "startup-proj", "flight_events", nil)
	bq := []string{"STORE=bigquery", "BIGQUERY_ENDPOINT=" + fake.URL,
		"BIGQUERY_DATASET=flight_events", "BIGQUERY_TABLE=events", "BIGQUERY_LOCATION=US"}
	for _, tc := range []struct {
		name  string
		bin   string
		args  []string
		store []string
	}{
		{"serve_bigquery_fake", prod, []string{"serve"}, bq},
		{"subscribe_bigquery_fake", prod, []string{"subscribe", "--streams", "4"}, bq},
		{"serve_sqlite", local, []string{"serve"}, nil},
		{"subscribe_sqlite", local, []string{"subscribe", "--streams", "4"}, nil},
	} {
		b.Run(tc.name, func(b *testing.B) {
			st, err := os.Stat(tc.bin)
			if err != nil {
				b.Fatal(err)
			}
			db := filepath.Join(b.TempDir(), "events.db")
			env := append(os.Environ(), "K_SERVICE=startup-bench", "HOST=127.0.0.1", "STORE=sqlite", "SQLITE_PATH="+db,
				"LOG_LEVEL=error", "GOOGLE_CLOUD_PROJECT=startup-proj", "PUBSUB_TOPIC=ev", "PUBSUB_EMULATOR_HOST="+ps.Server.Addr)
			env = append(env, tc.store...) // later entries win
			var total time.Duration
			for b.Loop() {
				total += startOnce(b, tc.bin, tc.args, env)
			}
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms_to_ready")
			b.ReportMetric(float64(st.Size())/1e6, "binary_MB")
			if tc.bin == prod {
				b.ReportMetric(float64(st.Size()+distrolessBaseBytes)/1e6, "image_MB")
			}
		})
	}
}

// startOnce starts bin, waits for /readyz 200, stops it with SIGTERM (as
// Cloud Run does) and returns the time to ready.
func startOnce(b *testing.B, bin string, args, env []string) time.Duration {
	b.Helper()
	port := freePort(b)
	cmd := exec.CommandContext(b.Context(), bin, args...)
	cmd.Env = append(env, "PORT="+strconv.Itoa(port))
	var stderr syncBuffer
	cmd.Stderr = &stderr
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/readyz"
	client := &http.Client{Timeout: time.Second}
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var ready time.Duration
	for ready == 0 {
		select {
		case err := <-exited:
			b.Fatalf("%s exited before ready: %v\n%s", args[0], err, stderr.String())
		default:
		}
		if readyz(b.Context(), client, url) {
			ready = time.Since(begin)
			continue
		}
		if time.Since(begin) > 30*time.Second {
			_ = cmd.Process.Kill()
			b.Fatalf("%s not ready after 30 s\n%s", args[0], stderr.String())
		}
		time.Sleep(time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		b.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			b.Fatalf("%s: exit after SIGTERM: %v\n%s", args[0], err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		b.Fatalf("%s: still running 10 s after SIGTERM", args[0])
	}
	return ready
}

func readyz(ctx context.Context, client *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false // not listening yet
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// freePort returns a loopback port the kernel just handed out and released.
func freePort(b *testing.B) int {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
