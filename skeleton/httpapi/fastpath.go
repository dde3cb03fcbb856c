package httpapi

import (
	"net/http"

	"${{ values.goModule }}/metrics"
)

// datosPattern is the mux pattern of GET /datos, also reported by the fast
// path so that request metrics label both paths alike.
const datosPattern = "GET /datos"

// fastDatos answers a GET /datos whose exact query string the API already
// validated and answered, while that answer is fresh in the cache, without
// going through Huma's parameter binding and validation again. Everything
// else — first requests, other spellings, expired entries, stale serving,
// errors — goes to next, the Huma route, which binds query strings to
// entries for this path.
//
// The response is the route's own (datosResponse), written by
// writeListOutput as Huma writes it (a test compares them byte for byte).
func fastDatos(next http.Handler, deps Deps) http.Handler {
	if deps.Cache == nil {
		return next
	}
	maxAge := cacheControl(deps)
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
		out := datosResponse(page, lookup{result: metrics.CacheHit, age: age}, maxAge, r.Header.Get("If-None-Match"))
		writeListOutput(w, &out)
	})
}

// writeListOutput writes out as Huma writes the output of the route: its
// non-empty header fields, its status and its body.
func writeListOutput(w http.ResponseWriter, out *listOutput) {
	h := w.Header()
	for _, kv := range [...]struct{ key, value string }{
		{"Content-Type", out.ContentType},
		{"Content-Length", out.ContentLength},
		{"Etag", out.ETag},
		{"Cache-Control", out.CacheControl},
		{"Link", out.Link},
		{"Age", out.Age},
		{"Warning", out.Warning},
	} {
		if kv.value != "" {
			h[kv.key] = []string{kv.value}
		}
	}
	w.WriteHeader(out.Status)
	if out.Body != nil {
		_, _ = w.Write(out.Body)
	}
}
