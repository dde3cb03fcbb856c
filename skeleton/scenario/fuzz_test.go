package scenario_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"${{ values.goModule }}/httpapi"
	"${{ values.goModule }}/sqlitestore"
	"${{ values.goModule }}/storetest"
)

var (
	fuzzOnce    sync.Once
	fuzzHandler http.Handler
)

// datosHandler is the API on a small embedded store, shared by the fuzz
// iterations of one process.
func datosHandler(tb testing.TB) http.Handler {
	fuzzOnce.Do(func() {
		store, err := sqlitestore.Open(tb.Context(), "")
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := store.WriteEvents(tb.Context(), storetest.Events(50, time.Now().Add(-time.Hour))); err != nil {
			tb.Fatal(err)
		}
		fuzzHandler = httpapi.NewHandler(httpapi.Deps{Store: store, Logger: quiet}, httpapi.Config{DisableRequestLog: true, DisableDocs: true})
	})
	return fuzzHandler
}

// FuzzDatosQuery sends arbitrary query strings to GET /datos: the API
// answers 200 with a JSON array, 304, or a 4xx problem, never a 5xx.
func FuzzDatosQuery(f *testing.F) {
	for _, q := range []string{
		"", "limit=5", "flight_id=IB3456&status=landed", "since=2026-11-26T00:00:00Z&until=2026-11-27T00:00:00Z",
		"cursor=MTIzOmE", "limit=0", "limit=1001", "status=teleported", "since=yesterday", "flight=IB1",
		"limit=%ZZ", "flight_id=" + string(make([]byte, 300)), "since=2026-11-27T00:00:00Z&until=2026-11-26T00:00:00Z",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, query string) {
		h := datosHandler(t)
		req := httptest.NewRequest(http.MethodGet, "/datos", nil)
		req.URL.RawQuery = query
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch code := rec.Code; {
		case code == http.StatusOK:
			var rows []map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &rows); err != nil {
				t.Fatalf("?%s: 200 with a body that is not a JSON array: %v", query, err)
			}
		case code == http.StatusNotModified:
		case code >= 400 && code < 500:
			var problem map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &problem); err != nil || problem["status"] == nil {
				t.Fatalf("?%s: %d without a problem body: %s", query, code, rec.Body.String())
			}
		default:
			t.Fatalf("?%s: status %d: %s", query, code, rec.Body.String())
		}
	})
}
