package cli_test

import (
	"testing"

	"github.com/acme-platform/golden-path/tools/internal/cli"
)

func TestEnvOr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{name: "unset_is_default", env: map[string]string{}, want: "text"},
		{name: "empty_is_default", env: map[string]string{"FORMAT": ""}, want: "text"},
		{name: "blank_is_default", env: map[string]string{"FORMAT": " \t\n"}, want: "text"},
		{name: "set_wins", env: map[string]string{"FORMAT": "json"}, want: "json"},
		{name: "set_is_trimmed", env: map[string]string{"FORMAT": "  json\n"}, want: "json"},
		{name: "inner_space_is_kept", env: map[string]string{"FORMAT": " a b "}, want: "a b"},
		{name: "other_keys_are_ignored", env: map[string]string{"format": "json", "FORMAT_X": "json"}, want: "text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			getenv := func(k string) string { return tt.env[k] }
			if got := cli.EnvOr(getenv, "FORMAT", "text"); got != tt.want {
				t.Errorf("EnvOr(FORMAT, text) = %q, want %q", got, tt.want)
			}
		})
	}
}
