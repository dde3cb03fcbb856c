package httpapi

import (
	"net/http"
	"strconv"
	"time"
)

// datosPattern is the mux pattern of GET /datos, also reported by the fast
// path so that request metrics label both paths alike.
const datosPattern = "GET /datos"

// fastDatos answers a GET /datos whose exact query string the API already
// validated and answered, while that answer is fresh in the cache: the
// pre-serialised bytes are written without going through Huma's parameter
// binding and validation again. Everything else — first requests, other
// spellings, expired entries, stale serving, errors — goes to next, the
// Huma route, which binds query strings to entries for this path.
//
// The response is the one the Huma route sends for a cache hit: same
// status, headers and body (a test compares them byte for byte).
func fastDatos(next http.Handler, deps Deps) http.Handler {
	if deps.Cache == nil {
		return next
	}
	maxAge := "private, max-age=" + strconv.Itoa(int(deps.CacheMaxAge/time.Second))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/datos" {
			next.ServeHTTP(w, r)
			return
		}
		page, age, ok := deps.Cache.freshRaw(r.URL.RawQuery)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		r.Pattern = datosPattern
		h := w.Header()
		h["Etag"] = []string{page.etag}
		h["Cache-Control"] = []string{maxAge}
		if page.link != "" {
			h["Link"] = []string{page.link}
		}
		h["Age"] = []string{strconv.Itoa(int(age / time.Second))}
		if etagMatches(r.Header.Get("If-None-Match"), page.etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h["Content-Type"] = []string{"application/json"}
		h["Content-Length"] = []string{page.contentLength}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(page.body)
	})
}
