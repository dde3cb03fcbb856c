package sqlitestore_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/sqlitestore"
)

// openerChildEnv makes the test binary a child opener (see
// TestConcurrentOpenersOnANewFile): it reads one database path per line
// from stdin, opens the store there, writes one event and answers "ok" or
// the error on one line of stdout.
const openerChildEnv = "SQLITESTORE_OPENER_CHILD"

// openAndWrite is what every opener does, as serve and subscribe do when
// they start on the same new file: open the store (WAL switch and DDL),
// then write and read.
func openAndWrite(ctx context.Context, path, id string) error {
	s, err := sqlitestore.Open(ctx, path)
	if err != nil {
		return err
	}
	defer s.Close()
	ev := flightevents.Event{EventID: id, FlightID: "IB3456", Status: flightevents.StatusScheduled, Timestamp: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	if _, err := s.WriteEvents(ctx, []flightevents.Event{ev}); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if err := s.Ping(ctx); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}

func TestMain(m *testing.M) {
	if name := os.Getenv(openerChildEnv); name != "" {
		in := bufio.NewScanner(os.Stdin)
		for in.Scan() {
			answer := "ok"
			if err := openAndWrite(context.Background(), in.Text(), name+"-"+filepath.Base(in.Text())); err != nil {
				answer = strings.ReplaceAll(err.Error(), "\n", " ")
			}
			fmt.Println(answer)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestConcurrentOpenersOnANewFile opens one new database file from several
// goroutines and child processes at once, 200 times: every open, write and
// read must succeed, and the file must hold every opener's event. SQLite
// answers SQLITE_BUSY without calling the busy handler when a connection
// switches a new file to WAL while another runs the DDL, or when a read
// transaction would upgrade to a write; Open must absorb both.
func TestConcurrentOpenersOnANewFile(t *testing.T) {
	t.Parallel()
	const (
		iterations = 200
		goroutines = 3
		children   = 3
	)
	dir := t.TempDir()
	type child struct {
		in  *bufio.Writer
		out *bufio.Scanner
	}
	kids := make([]child, children)
	for i := range kids {
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=child%d", openerChildEnv, i))
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatalf("start child opener: %v", err)
		}
		t.Cleanup(func() { stdin.Close(); cmd.Wait() })
		kids[i] = child{in: bufio.NewWriter(stdin), out: bufio.NewScanner(stdout)}
	}
	failures := 0
	for it := range iterations {
		path := filepath.Join(dir, fmt.Sprintf("%03d.db", it))
		// Release every opener at once: the children read the path from
		// their stdin, the goroutines wait on start.
		start := make(chan struct{})
		errs := make([]error, goroutines+children)
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				<-start
				errs[g] = openAndWrite(t.Context(), path, fmt.Sprintf("goroutine%d-%03d.db", g, it))
			})
		}
		close(start)
		for i, k := range kids {
			fmt.Fprintln(k.in, path)
			if err := k.in.Flush(); err != nil {
				t.Fatalf("send path to child %d: %v", i, err)
			}
		}
		for i, k := range kids {
			if !k.out.Scan() {
				t.Fatalf("child opener %d exited: %v", i, k.out.Err())
			}
			if got := k.out.Text(); got != "ok" {
				errs[goroutines+i] = fmt.Errorf("child %d: %s", i, got)
			}
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				failures++
				t.Errorf("iteration %d: %v", it, err)
			}
		}
		if failures > 10 {
			t.Fatalf("stopping after %d failures", failures)
		}
		if failures == 0 {
			s, err := sqlitestore.Open(t.Context(), path)
			if err != nil {
				t.Fatal(err)
			}
			page, err := s.ListEvents(t.Context(), flightevents.EventFilter{Since: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC), Limit: 100})
			s.Close()
			if err != nil {
				t.Fatal(err)
			}
			if got, want := len(page.Events), goroutines+children; got != want {
				t.Errorf("iteration %d: file holds %d events, want %d (one per opener)", it, got, want)
			}
		}
	}
}
