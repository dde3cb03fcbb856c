package httpapi

import (
	"bytes"
	"embed"
	"io/fs"
	"net/http"
	"strings"
	"time"

	swaggerfiles "github.com/swaggo/files/v2"
)

// DocsCSP is the Content-Security-Policy of the docs UI: scripts, styles,
// images and API calls from the service itself only; no inline script, no
// inline style (Swagger UI sets styles through the CSSOM, which CSP allows),
// no third party. The headless browser test fails on any violation.
const DocsCSP = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

//go:embed docs/index.html docs/init.js
var docsFS embed.FS

// docsAssets maps the files under /docs/ to where they come from: our page
// and init script, and the Swagger UI dist embedded by the
// github.com/swaggo/files/v2 module (no bundle is committed here).
var docsAssets = map[string]struct {
	fsys         fs.FS
	name         string
	contentType  string
	cacheControl string
}{
	"":                     {docsFS, "docs/index.html", "text/html; charset=utf-8", "no-cache"},
	"index.html":           {docsFS, "docs/index.html", "text/html; charset=utf-8", "no-cache"},
	"init.js":              {docsFS, "docs/init.js", "text/javascript; charset=utf-8", "public, max-age=3600"},
	"swagger-ui-bundle.js": {swaggerfiles.FS, "swagger-ui-bundle.js", "text/javascript; charset=utf-8", "public, max-age=3600"},
	"swagger-ui.css":       {swaggerfiles.FS, "swagger-ui.css", "text/css; charset=utf-8", "public, max-age=3600"},
	"favicon-32x32.png":    {swaggerfiles.FS, "favicon-32x32.png", "image/png", "public, max-age=3600"},
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
		b, err := fs.ReadFile(a.fsys, a.name)
		if err != nil {
			writeProblem(w, http.StatusInternalServerError, genericInternal)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		h.Set("Content-Security-Policy", DocsCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", a.cacheControl)
		http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(b))
	})
}
