package cli_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/cli"
)

func TestAppendFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		before  *string // file content before; nil = no file
		writes  []string
		want    string
		wantErr error // errors.Is target; the file is then not checked
		path    func(dir string) string
	}{
		{name: "creates_missing_file", writes: []string{"## Cost\n"}, want: "## Cost\n"},
		{name: "appends_never_truncates", before: ptr("from an earlier step\n"), writes: []string{"a=1\n", "b=2\n"}, want: "from an earlier step\na=1\nb=2\n"},
		{name: "empty_write_creates_empty_file", writes: []string{""}, want: ""},
		{name: "missing_directory_fails", writes: []string{"x"}, wantErr: fs.ErrNotExist, path: func(dir string) string { return filepath.Join(dir, "no", "summary.md") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "summary.md")
			if tt.path != nil {
				path = tt.path(dir)
			}
			if tt.before != nil {
				if err := os.WriteFile(path, []byte(*tt.before), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			var err error
			for _, w := range tt.writes {
				if err = cli.AppendFile(path, w); err != nil {
					break
				}
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("AppendFile error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("AppendFile: %v", err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(got), tt.want); diff != "" {
				t.Errorf("file (-got +want):\n%s", diff)
			}
		})
	}
}

func ptr(s string) *string { return &s }
