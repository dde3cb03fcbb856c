package httpapi

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DocsCSP is the Content-Security-Policy of the docs UI: scripts, styles,
// images and API calls from the service itself only; no inline script, no
// inline style (Swagger UI sets styles through the CSSOM, which CSP allows),
// no third party. The headless browser test fails on any violation.
const DocsCSP = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// docsFS holds our page and init script and the three Swagger UI files the
// page loads, vendored from swagger-ui-dist (docs/swagger-ui/README.md: the
// pinned version, the checksums, the licence). The bundle and the stylesheet
// are stored gzip-compressed: 0.4 MB in the binary instead of 1.6 MB.
//
//go:embed docs/index.html docs/init.js
//go:embed docs/swagger-ui/swagger-ui-bundle.js.gz docs/swagger-ui/swagger-ui.css.gz docs/swagger-ui/favicon-32x32.png
var docsFS embed.FS

// docsAsset is one file under /docs/: where it is in docsFS and how it is
// served. gzipped assets are sent as they are stored (Content-Encoding:
// gzip) to clients that accept gzip, and decompressed for the others.
type docsAsset struct {
	name         string
	gzipped      bool
	contentType  string
	cacheControl string
}

var docsAssets = map[string]docsAsset{
	"":                     {"docs/index.html", false, "text/html; charset=utf-8", "no-cache"},
	"index.html":           {"docs/index.html", false, "text/html; charset=utf-8", "no-cache"},
	"init.js":              {"docs/init.js", false, "text/javascript; charset=utf-8", "public, max-age=3600"},
	"swagger-ui-bundle.js": {"docs/swagger-ui/swagger-ui-bundle.js.gz", true, "text/javascript; charset=utf-8", "public, max-age=3600"},
	"swagger-ui.css":       {"docs/swagger-ui/swagger-ui.css.gz", true, "text/css; charset=utf-8", "public, max-age=3600"},
	"favicon-32x32.png":    {"docs/swagger-ui/favicon-32x32.png", false, "image/png", "public, max-age=3600"},
}

// DocsHandler serves the docs UI at /docs and its assets under /docs/,
// entirely from the binary, so the page renders without internet access.
func DocsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/docs"), "/")
		a, ok := docsAssets[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		b, err := fs.ReadFile(docsFS, a.name)
		if err != nil {
			writeProblem(w, http.StatusInternalServerError, genericInternal)
			return
		}
		h := w.Header()
		if a.gzipped {
			h.Add("Vary", "Accept-Encoding")
			if acceptsGzip(r.Header.Values("Accept-Encoding")) {
				h.Set("Content-Encoding", "gzip")
			} else if b, err = gunzip(b); err != nil {
				writeProblem(w, http.StatusInternalServerError, genericInternal)
				return
			}
		}
		h.Set("Content-Type", a.contentType)
		h.Set("Content-Security-Policy", DocsCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", a.cacheControl)
		http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(b))
	})
}

// acceptsGzip reports whether Accept-Encoding header values (RFC 9110
// §12.5.3) admit gzip: "gzip" (or "x-gzip") with a non-zero weight, or,
// when gzip is not named, "*" with a non-zero weight.
func acceptsGzip(values []string) bool {
	named, star := -1.0, -1.0 // weights; -1: not listed
	for _, v := range values {
		for item := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(item, ";")
			q := 1.0
			if p, ok := strings.CutPrefix(strings.ToLower(strings.TrimSpace(params)), "q="); ok {
				w, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
				if err != nil {
					continue // a malformed weight: ignore the item
				}
				q = w
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				named = max(named, q)
			case "*":
				star = max(star, q)
			}
		}
	}
	if named >= 0 {
		return named > 0
	}
	return star > 0
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("read gzip header: %w", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("decompress docs asset: %w", err)
	}
	return out, nil
}
