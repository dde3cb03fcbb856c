package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/cli"
)

var errBoom = errors.New("boom")

func TestError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		err       error
		wantMsg   string
		wantBoom  bool // errors.Is(err, errBoom)
		wantCode  int
		wantTyped bool // errors.As finds an *cli.Error
	}{
		{name: "new_keeps_message_and_chain", err: cli.New(cli.BadInput, errBoom), wantMsg: "boom", wantBoom: true, wantCode: 2, wantTyped: true},
		{name: "errorf_wraps_with_w", err: cli.Errorf(cli.Remote, "post comment: %w", errBoom), wantMsg: "post comment: boom", wantBoom: true, wantCode: 3, wantTyped: true},
		{name: "errorf_with_v_does_not_wrap", err: cli.Errorf(cli.BadInput, "read: %v", errBoom), wantMsg: "read: boom", wantCode: 2, wantTyped: true},
		{name: "reported_has_no_cause", err: cli.Reported(cli.GateFailed), wantMsg: "exit 1", wantCode: 1, wantTyped: true},
		{name: "new_with_nil_is_reported", err: cli.New(cli.Remote, nil), wantMsg: "exit 3", wantCode: 3, wantTyped: true},
		{name: "struct_literal", err: &cli.Error{Code: 2, Err: errBoom}, wantMsg: "boom", wantBoom: true, wantCode: 2, wantTyped: true},
		{name: "found_under_a_wrap", err: fmt.Errorf("scaffold: %w", cli.New(cli.BadInput, errBoom)), wantMsg: "scaffold: boom", wantBoom: true, wantCode: 2, wantTyped: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.Error(); got != tt.wantMsg {
				t.Errorf("Error() = %q, want %q", got, tt.wantMsg)
			}
			if got := errors.Is(tt.err, errBoom); got != tt.wantBoom {
				t.Errorf("errors.Is(err, errBoom) = %t, want %t", got, tt.wantBoom)
			}
			e, ok := errors.AsType[*cli.Error](tt.err)
			if ok != tt.wantTyped {
				t.Fatalf("errors.AsType[*cli.Error] ok = %t, want %t", ok, tt.wantTyped)
			}
			if ok && e.Code != tt.wantCode {
				t.Errorf("Code field = %d, want %d", e.Code, tt.wantCode)
			}
		})
	}
}

func TestCodeAndReport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		err      error
		wantCode int
		wantOut  string // what Report writes
	}{
		{name: "nil_is_ok", err: nil, wantCode: 0, wantOut: ""},
		{name: "gate_failed_with_reason", err: cli.Errorf(cli.GateFailed, "cost gate failed: %d check(s) failed", 2), wantCode: 1, wantOut: "tool: cost gate failed: 2 check(s) failed\n"},
		{name: "gate_failed_reported", err: cli.Reported(cli.GateFailed), wantCode: 1, wantOut: ""},
		{name: "bad_input", err: cli.New(cli.BadInput, errBoom), wantCode: 2, wantOut: "tool: boom\n"},
		{name: "bad_input_reported", err: cli.Reported(cli.BadInput), wantCode: 2, wantOut: ""},
		{name: "remote", err: cli.Errorf(cli.Remote, "post comment: %w", errBoom), wantCode: 3, wantOut: "tool: post comment: boom\n"},
		{name: "wrapped_error_prints_whole_message", err: fmt.Errorf("load: %w", cli.New(cli.BadInput, errBoom)), wantCode: 2, wantOut: "tool: load: boom\n"},
		{name: "wrapped_reported_prints_nothing", err: fmt.Errorf("load: %w", cli.Reported(cli.Remote)), wantCode: 3, wantOut: ""},
		{name: "untyped_error_is_not_a_pass", err: errBoom, wantCode: 1, wantOut: "tool: boom\n"},
		{name: "joined_takes_first_code", err: errors.Join(errBoom, cli.New(cli.Remote, errBoom), cli.New(cli.BadInput, errBoom)), wantCode: 3, wantOut: "tool: boom\nboom\nboom\n"},
		{name: "help_is_ok_and_silent", err: flag.ErrHelp, wantCode: 0, wantOut: ""},
		{name: "wrapped_help_is_ok_and_silent", err: fmt.Errorf("parse flags: %w", flag.ErrHelp), wantCode: 0, wantOut: ""},
		{name: "help_with_code_ok_is_silent", err: cli.New(cli.OK, flag.ErrHelp), wantCode: 0, wantOut: ""},
		{name: "code_wins_over_help", err: cli.New(cli.BadInput, fmt.Errorf("parse flags: %w", flag.ErrHelp)), wantCode: 2, wantOut: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := cli.Code(tt.err); got != tt.wantCode {
				t.Errorf("Code() = %d, want %d", got, tt.wantCode)
			}
			var w bytes.Buffer
			if got := cli.Report(&w, "tool", tt.err); got != tt.wantCode {
				t.Errorf("Report() = %d, want %d", got, tt.wantCode)
			}
			if diff := cmp.Diff(w.String(), tt.wantOut); diff != "" {
				t.Errorf("Report output (-got +want):\n%s", diff)
			}
		})
	}
}

// helperEnv names the Main scenario a re-executed test binary plays.
const helperEnv = "CLI_TEST_MAIN"

// TestMain lets the test binary act as a tool: with helperEnv set it runs
// cli.Main (which exits) instead of the tests.
func TestMain(m *testing.M) {
	if scenario := os.Getenv(helperEnv); scenario != "" {
		cli.Main("tool", scenarios[scenario])
		return
	}
	os.Exit(m.Run())
}

var scenarios = map[string]cli.RunFunc{
	"ok": func(_ context.Context, args []string, stdin io.Reader, stdout, _ io.Writer) error {
		in, err := io.ReadAll(stdin)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "args=%q stdin=%q\n", args, in)
		return nil
	},
	"gate_failed": func(_ context.Context, _ []string, _ io.Reader, _, _ io.Writer) error {
		return cli.Errorf(cli.GateFailed, "cost gate failed: 2 check(s) failed")
	},
	"reported": func(_ context.Context, _ []string, _ io.Reader, _, stderr io.Writer) error {
		fmt.Fprintln(stderr, "::warning title=tool::jira is down")
		return cli.Reported(cli.Remote)
	},
	"help": func(_ context.Context, _ []string, _ io.Reader, _, stderr io.Writer) error {
		fs := flag.NewFlagSet("tool", flag.ContinueOnError)
		fs.SetOutput(stderr)
		return fs.Parse([]string{"-h"})
	},
	"untyped": func(_ context.Context, _ []string, _ io.Reader, _, _ io.Writer) error {
		return errBoom
	},
	"signal": func(ctx context.Context, _ []string, _ io.Reader, stdout, _ io.Writer) error {
		fmt.Fprintln(stdout, "ready")
		<-ctx.Done()
		return cli.Errorf(cli.Remote, "interrupted: %w", ctx.Err())
	},
}

func TestMainProcess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		stdin      string
		sigterm    bool // send SIGTERM once the tool printed "ready"
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{name: "ok", args: []string{"--plan", "p.json"}, stdin: "in", wantCode: 0, wantStdout: "args=[\"--plan\" \"p.json\"] stdin=\"in\"\n"},
		{name: "gate_failed", wantCode: 1, wantStderr: "tool: cost gate failed: 2 check(s) failed\n"},
		{name: "reported", wantCode: 3, wantStderr: "::warning title=tool::jira is down\n"},
		{name: "help", wantCode: 0, wantStderr: "Usage of tool:\n"},
		{name: "untyped", wantCode: 1, wantStderr: "tool: boom\n"},
		{name: "signal", sigterm: true, wantCode: 3, wantStdout: "ready\n", wantStderr: "tool: interrupted: context canceled\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0], tt.args...)
			cmd.Env = append(os.Environ(), helperEnv+"="+tt.name)
			cmd.Stdin = strings.NewReader(tt.stdin)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			r := bufio.NewReader(out)
			var stdout strings.Builder
			if tt.sigterm {
				line, err := r.ReadString('\n')
				if err != nil {
					t.Fatalf("read ready line: %v", err)
				}
				stdout.WriteString(line)
				if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
			}
			rest, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			stdout.Write(rest)
			err = cmd.Wait()
			code := 0
			if ee, ok := errors.AsType[*exec.ExitError](err); ok {
				code = ee.ExitCode() // -1 when a signal killed it
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, tt.wantCode, stderr.String())
			}
			if diff := cmp.Diff(stdout.String(), tt.wantStdout); diff != "" {
				t.Errorf("stdout (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(stderr.String(), tt.wantStderr); diff != "" {
				t.Errorf("stderr (-got +want):\n%s", diff)
			}
		})
	}
}
