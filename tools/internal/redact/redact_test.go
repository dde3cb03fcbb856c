package redact_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/redact"
)

func TestString(t *testing.T) {
	t.Parallel()
	r := redact.New("s3cr3t-value-xyz", "")
	tests := []struct {
		name, in, want string
	}{
		{name: "exact_secret", in: "token is s3cr3t-value-xyz here", want: "token is [REDACTED] here"},
		{name: "authorization_header", in: "Authorization: Basic Ym90OnNlY3JldA==", want: "Authorization: Basic [REDACTED]"},
		{name: "bearer_anywhere", in: `curl -H "x: Bearer abcdefghijklmnop"`, want: `curl -H "x: Bearer [REDACTED]"`},
		{name: "github_token", in: "using ghp_0123456789abcdefghijABCDEFGHIJ0123", want: "using [REDACTED]"},
		{name: "github_fine_grained", in: "github_pat_11ABCDEFG0123456789_abcdefghijklmnop", want: "[REDACTED]"},
		{name: "aws_key", in: "key AKIAIOSFODNN7EXAMPLE used", want: "key [REDACTED] used"},
		{name: "jwt", in: "id eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghijk", want: "id [REDACTED]"},
		{name: "url_userinfo", in: "clone https://bot:hunter22@github.com/x", want: "clone https://bot:[REDACTED]@github.com/x"},
		{name: "key_value", in: "DB_PASSWORD=hunter2 other=1", want: "DB_PASSWORD=[REDACTED] other=1"},
		{name: "json_key_value", in: `{"api_key": "abc123", "n": 1}`, want: `{"api_key": [REDACTED], "n": 1}`},
		{name: "private_key", in: "a\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\nb", want: "a\n[REDACTED]\nb"},
		{name: "key_block_cut_at_window_start", in: "MIIEabc\nxyz\n-----END PRIVATE KEY-----\nok", want: "[REDACTED]\nok"},
		{name: "harmless_text_kept", in: "--- FAIL: TestX (0.01s) expected 3 tokens, got 2", want: "--- FAIL: TestX (0.01s) expected 3 tokens, got 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(r.String(tc.in), tc.want); diff != "" {
				t.Errorf("(-got +want):\n%s", diff)
			}
		})
	}
}

func TestTail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		in            string
		lines, bytes  int
		want          string
		wantTruncated bool
	}{
		{name: "fits", in: "a\nb\n", lines: 5, bytes: 100, want: "a\nb"},
		{name: "line_limit", in: "1\n2\n3\n4", lines: 2, bytes: 100, want: "3\n4", wantTruncated: true},
		{name: "byte_limit_cuts_at_line_start", in: "first line\nsecond\nthird", lines: 10, bytes: 13, want: "second\nthird", wantTruncated: true},
		{name: "one_long_line_cut_on_rune_boundary", in: strings.Repeat("é", 10), lines: 10, bytes: 5, want: "éé", wantTruncated: true},
		{name: "crlf_normalised", in: "a\r\nb\r\n", lines: 10, bytes: 10, want: "a\nb"},
		{name: "invalid_utf8_replaced", in: "ok\xff", lines: 10, bytes: 100, want: "ok\uFFFD"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, truncated := redact.Tail(tc.in, tc.lines, tc.bytes)
			if diff := cmp.Diff(got, tc.want); diff != "" {
				t.Errorf("(-got +want):\n%s", diff)
			}
			if truncated != tc.wantTruncated {
				t.Errorf("truncated = %v, want %v", truncated, tc.wantTruncated)
			}
		})
	}
}
