package repocheck

import "testing"

func TestHasPipe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, script string
		want         bool
	}{
		{"plain_pipe", "go test ./... | tee log", true},
		{"pipe_on_later_line", "set -e\nprintf x |\n  curl -d @- x", true},
		{"or_is_not_a_pipe", "go test ./... || exit 1", false},
		{"pipe_in_single_quotes", "jq -r '.a | .b' f.json", false},
		{"pipe_in_double_quotes", `echo "a | b"`, false},
		{"pipe_in_comment", "# a | b\necho ok", false},
		{"escaped_pipe", `echo a \| b`, false},
		{"hash_inside_word", "echo a#b | cat", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := hasPipe(tc.script); got != tc.want {
				t.Errorf("hasPipe(%q) = %v, want %v", tc.script, got, tc.want)
			}
		})
	}
}
