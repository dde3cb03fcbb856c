package cli_test

import (
	"flag"
	"io"
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
