package cli_test

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/cli"
)

func TestStrings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		want       cli.Strings
		wantString string
	}{
		{name: "absent_is_empty", args: nil, want: nil, wantString: ""},
		{name: "once", args: []string{"--source", "a"}, want: cli.Strings{"a"}, wantString: "a"},
		{name: "repeated_keeps_order", args: []string{"--source", "b", "--other", "x", "--source=a", "--source", "b"}, want: cli.Strings{"b", "a", "b"}, wantString: "b,a,b"},
		{name: "empty_value_is_kept", args: []string{"--source", ""}, want: cli.Strings{""}, wantString: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := flag.NewFlagSet("tool", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			var got cli.Strings
			fs.Var(&got, "source", "repeatable")
			fs.String("other", "", "a flag between the repeats")
			if err := fs.Parse(tt.args); err != nil {
				t.Fatalf("parse %q: %v", tt.args, err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("values (-got +want):\n%s", diff)
			}
			if s := fs.Lookup("source").Value.String(); s != tt.wantString {
				t.Errorf("String() = %q, want %q", s, tt.wantString)
			}
		})
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		wantCode int // -1: flag.ErrHelp
		wantMsg  string
	}{
		{name: "flags_only", args: []string{"--days", "7"}, wantCode: cli.OK},
		{name: "help_is_not_an_error_code", args: []string{"--help"}, wantCode: -1},
		{name: "unknown_flag", args: []string{"--nope"}, wantCode: cli.BadInput, wantMsg: "flag provided but not defined: -nope"},
		{name: "bad_value", args: []string{"--days", "x"}, wantCode: cli.BadInput, wantMsg: `invalid value "x" for flag -days`},
		{name: "stray_arguments", args: []string{"--days", "7", "a", "b"}, wantCode: cli.BadInput, wantMsg: "unexpected arguments: a b (see --help)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := flag.NewFlagSet("tool", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			fs.Int("days", 30, "window")
			err := cli.Parse(fs, tt.args)
			switch {
			case tt.wantCode == -1:
				if !errors.Is(err, flag.ErrHelp) {
					t.Fatalf("Parse(%q) = %v, want flag.ErrHelp", tt.args, err)
				}
			case tt.wantCode == cli.OK:
				if err != nil {
					t.Fatalf("Parse(%q) = %v, want nil", tt.args, err)
				}
			default:
				if got := cli.Code(err); got != tt.wantCode || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("Parse(%q) = %v (code %d), want code %d naming %q", tt.args, err, got, tt.wantCode, tt.wantMsg)
				}
			}
		})
	}
}
