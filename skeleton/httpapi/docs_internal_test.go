package httpapi

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAcceptsGzip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values []string
		want   bool
	}{
		{name: "absent", values: nil, want: false},
		{name: "gzip", values: []string{"gzip"}, want: true},
		{name: "browser", values: []string{"gzip, deflate, br, zstd"}, want: true},
		{name: "case_and_spaces", values: []string{" GZip ;Q=0.5"}, want: true},
		{name: "x_gzip", values: []string{"x-gzip"}, want: true},
		{name: "identity_only", values: []string{"identity"}, want: false},
		{name: "refused", values: []string{"gzip;q=0, identity"}, want: false},
		{name: "refused_zero_decimals", values: []string{"gzip; q=0.000"}, want: false},
		{name: "star", values: []string{"*"}, want: true},
		{name: "star_refused", values: []string{"*;q=0"}, want: false},
		{name: "named_beats_star", values: []string{"gzip;q=0, *"}, want: false},
		{name: "second_header_line", values: []string{"br", "gzip"}, want: true},
		{name: "malformed_weight_ignored", values: []string{"gzip;q=x"}, want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := acceptsGzip(tc.values); got != tc.want {
				t.Errorf("acceptsGzip(%q) = %v, want %v", tc.values, got, tc.want)
			}
		})
	}
}

// TestDocsGzip: the compressed assets go out as stored to a client that
// accepts gzip and decompressed to one that does not, with the same bytes
// after decoding; the others are never encoded.
func TestDocsGzip(t *testing.T) {
	t.Parallel()
	h := DocsHandler()
	get := func(path, acceptEncoding string) *httptest.ResponseRecorder {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, path, nil)
		if acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", acceptEncoding)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s (Accept-Encoding %q) = %d, want 200", path, acceptEncoding, rec.Code)
		}
		return rec
	}
	for name, a := range docsAssets {
		t.Run("asset_"+strings.ReplaceAll(name, ".", "_"), func(t *testing.T) {
			t.Parallel()
			path := "/docs/" + name
			plain := get(path, "")
			enc := get(path, "gzip, deflate, br")
			if got := plain.Header().Get("Content-Encoding"); got != "" {
				t.Errorf("GET %s without Accept-Encoding: Content-Encoding %q, want none", path, got)
			}
			body := enc.Body.Bytes()
			if !a.gzipped {
				if got := enc.Header().Get("Content-Encoding"); got != "" {
					t.Errorf("GET %s (not stored compressed): Content-Encoding %q, want none", path, got)
				}
			} else {
				if got := enc.Header().Get("Content-Encoding"); got != "gzip" {
					t.Fatalf("GET %s with Accept-Encoding gzip: Content-Encoding %q, want gzip", path, got)
				}
				for _, rec := range []*httptest.ResponseRecorder{plain, enc} {
					if got := rec.Header().Get("Vary"); got != "Accept-Encoding" {
						t.Errorf("GET %s: Vary %q, want Accept-Encoding", path, got)
					}
				}
				if enc.Body.Len() >= plain.Body.Len() {
					t.Errorf("GET %s: gzip body %d bytes, identity %d: not compressed", path, enc.Body.Len(), plain.Body.Len())
				}
				var err error
				if body, err = gunzip(body); err != nil {
					t.Fatalf("GET %s: %v", path, err)
				}
			}
			if !bytes.Equal(body, plain.Body.Bytes()) {
				t.Errorf("GET %s: the decoded gzip response differs from the identity one (%d vs %d bytes)", path, len(body), plain.Body.Len())
			}
			if refused := get(path, "gzip;q=0"); refused.Header().Get("Content-Encoding") != "" {
				t.Errorf("GET %s with gzip;q=0: Content-Encoding %q, want none", path, refused.Header().Get("Content-Encoding"))
			}
		})
	}
}

// TestVendoredSwaggerUI checks the provenance table of
// docs/swagger-ui/README.md against the embedded files: every vendored file
// the handler serves is listed, with the sha256 of the upstream file (the
// content after gunzip for the compressed ones), and the gzip headers carry
// no file name or time (gzip -n), so that re-vendoring is reproducible.
func TestVendoredSwaggerUI(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("docs/swagger-ui/README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([^`]+)` \\| `([^`]+)` \\| `([0-9a-f]{64})` \\|$")
	got := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		got["docs/swagger-ui/"+m[1]] = m[3]
	}
	want := map[string]string{}
	for _, a := range docsAssets {
		if !strings.HasPrefix(a.name, "docs/swagger-ui/") {
			continue
		}
		b, err := fs.ReadFile(docsFS, a.name)
		if err != nil {
			t.Fatal(err)
		}
		if a.gzipped {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s: %v", a.name, err)
			}
			if b, err = io.ReadAll(zr); err != nil {
				t.Fatalf("%s: %v", a.name, err)
			}
			if zr.Name != "" || !zr.ModTime.IsZero() {
				t.Errorf("%s: gzip header has name %q, time %v; compress with gzip -n", a.name, zr.Name, zr.ModTime)
			}
		}
		sum := sha256.Sum256(b)
		want[a.name] = hex.EncodeToString(sum[:])
	}
	if len(want) != 3 {
		t.Errorf("the handler serves %d vendored files, want 3 (bundle, stylesheet, favicon)", len(want))
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("docs/swagger-ui/README.md checksums vs the embedded files (-got +want):\n%s", diff)
	}
	for _, f := range []string{"docs/swagger-ui/LICENSE", "docs/swagger-ui/NOTICE"} {
		if b, err := os.ReadFile(f); err != nil || len(b) == 0 {
			t.Errorf("%s: the vendored files' licence must stay beside them (%v)", f, err)
		}
	}
}
