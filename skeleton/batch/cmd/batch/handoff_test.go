package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestServiceBackfillHandsOff builds the service binary and this binary
// side by side, as `make batch` does, and runs the service's
// `backfill --runner prism|direct` on two small files: the service finds
// the batch binary beside itself, passes its SQLite store and the dead-letter
// file, and the pipeline's counters come back on its output.
func TestServiceBackfillHandsOff(t *testing.T) {
	bin := t.TempDir()
	service := filepath.Join(bin, "service")
	for _, b := range []struct{ dir, out string }{{"../../..", service}, {".", filepath.Join(bin, "batch")}} {
		cmd := exec.Command("go", "build", "-o", b.out, ".")
		if b.dir != "." {
			cmd = exec.Command("go", "build", "-o", b.out, "./cmd/${{ values.name }}")
		}
		cmd.Dir = b.dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", b.out, err, out)
		}
	}
	dir := t.TempDir()
	files := map[string]string{
		"a.jsonl": `{"event_id":"e1","flight_id":"IB3456","status":"boarding","timestamp":"2026-11-26T08:00:00Z"}` + "\n" + "not json\n",
		"b.csv":   "event_id,flight_id,status,timestamp\ne1,IB3456,boarding,2026-11-26T08:00:00Z\ne2,VY12,landed,2026-11-26T10:00:00Z\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct{ runner, want string }{
		{"prism", "records=4 valid=3 invalid=1 unique=2 written=2 duplicates=0 input_duplicates=1"},
		{"direct", "records=4 valid=3 invalid=1 unique=2 written=0 duplicates=2 input_duplicates=1"}, // the same store again
	} {
		dl := filepath.Join(t.TempDir(), tt.runner+"-dead-letter.jsonl")
		cmd := exec.Command(service, "backfill", "--runner", tt.runner, "--input", filepath.Join(dir, "*.jsonl")+","+filepath.Join(dir, "*.csv"), "--dead-letter", dl)
		cmd.Env = append(os.Environ(), "SQLITE_PATH="+filepath.Join(dir, "events.db"), "BATCH_BINARY=")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("backfill --runner %s: %v\n%s", tt.runner, err, stderr.String())
		}
		if got := strings.TrimSpace(stdout.String()); got != tt.want {
			t.Errorf("--runner %s printed %q, want %q", tt.runner, got, tt.want)
		}
		b, err := os.ReadFile(dl)
		if err != nil {
			t.Fatal(err)
		}
		if want := `{"file":"` + filepath.Join(dir, "a.jsonl") + `","line":2,"reason":"invalid_json"`; !strings.HasPrefix(string(b), want) {
			t.Errorf("dead letters %s, want a line starting %s", b, want)
		}
	}
}
