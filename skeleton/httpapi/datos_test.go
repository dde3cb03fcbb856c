package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2/humatest"
	"github.com/google/go-cmp/cmp"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/httpapi"
)

// testNow is the clock of every handler under test. It follows the real
// clock because the store refuses events too far in the future.
var testNow = time.Now().UTC().Truncate(time.Minute)

// item is one element of the /datos response as a client decodes it.
type item struct {
	FlightID  string `json:"flight_id"`
	Status    string `json:"status"`
	Timestamp string `json:"timestamp"`
}

// problem is an RFC 9457 body as a client decodes it.
type problem struct {
	Type   string `json:"type,omitempty"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
	} `json:"errors,omitempty"`
}

func newAPI(t *testing.T, store flightevents.EventStore) humatest.TestAPI {
	t.Helper()
	_, api := humatest.New(t, httpapi.HumaConfig())
	httpapi.Register(api, httpapi.Deps{
		Store:  store,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:    func() time.Time { return testNow },
	})
	return api
}

// makeEvents returns n valid events over 3 flights, a few minutes apart,
// newest first, with every third pair sharing a timestamp (keyset ties).
func makeEvents(n int) []flightevents.Event {
	flights := []string{"IB3456", "VY1234", "UX9"}
	events := make([]flightevents.Event, n)
	for i := range n {
		ts := testNow.Add(-time.Duration(i/2*3+1) * time.Minute)
		if i%3 != 0 {
			ts = ts.Add(-time.Duration(i) * time.Second)
		}
		e := flightevents.Event{
			FlightID:  flights[i%len(flights)],
			Status:    flightevents.Statuses[i%len(flightevents.Statuses)],
			Timestamp: ts,
		}
		e.EventID = flightevents.DeriveEventID(e.FlightID, e.Status, e.Timestamp)
		events[i] = e
	}
	return events
}

func seed(t *testing.T, store flightevents.EventStore, events []flightevents.Event) {
	t.Helper()
	if _, err := store.WriteEvents(t.Context(), events); err != nil {
		t.Fatalf("seed store: %v", err)
	}
}

// want returns the expected response items for events matching keep,
// newest first (timestamp, then event id, descending).
func want(events []flightevents.Event, keep func(flightevents.Event) bool) []item {
	sorted := slices.Clone(events)
	slices.SortFunc(sorted, func(a, b flightevents.Event) int {
		if c := b.Timestamp.Compare(a.Timestamp); c != 0 {
			return c
		}
		return strings.Compare(b.EventID, a.EventID)
	})
	out := []item{}
	for _, e := range sorted {
		if keep == nil || keep(e) {
			out = append(out, item{FlightID: e.FlightID, Status: string(e.Status), Timestamp: e.Timestamp.UTC().Format(time.RFC3339Nano)})
		}
	}
	return out
}

func decodeJSON[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	return v
}

func TestListDatos(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	events := makeEvents(40)
	old := flightevents.Event{FlightID: "IB3456", Status: flightevents.StatusLanded, Timestamp: testNow.Add(-30 * 24 * time.Hour)}
	old.EventID = flightevents.DeriveEventID(old.FlightID, old.Status, old.Timestamp)
	seed(t, store, append(slices.Clone(events), old))
	api := newAPI(t, store)

	tests := []struct {
		name  string
		query string
		want  []item
	}{
		{name: "default_window_newest_first", query: "", want: want(events, nil)},
		{name: "by_flight", query: "flight_id=VY1234", want: want(events, func(e flightevents.Event) bool { return e.FlightID == "VY1234" })},
		{name: "by_status", query: "status=delayed", want: want(events, func(e flightevents.Event) bool { return e.Status == flightevents.StatusDelayed })},
		{name: "by_flight_and_status", query: "flight_id=IB3456&status=scheduled", want: want(events, func(e flightevents.Event) bool {
			return e.FlightID == "IB3456" && e.Status == flightevents.StatusScheduled
		})},
		{name: "since_inclusive_until_exclusive", query: "since=" + url.QueryEscape(events[19].Timestamp.Format(time.RFC3339Nano)) + "&until=" + url.QueryEscape(events[4].Timestamp.Format(time.RFC3339Nano)),
			want: want(events, func(e flightevents.Event) bool {
				return !e.Timestamp.Before(events[19].Timestamp) && e.Timestamp.Before(events[4].Timestamp)
			})},
		{name: "explicit_old_range", query: "since=" + url.QueryEscape(old.Timestamp.Add(-time.Hour).Format(time.RFC3339)) + "&until=" + url.QueryEscape(old.Timestamp.Add(time.Hour).Format(time.RFC3339)),
			want: want([]flightevents.Event{old}, nil)},
		{name: "limit", query: "limit=5", want: want(events, nil)[:5]},
		{name: "no_match_is_empty_array", query: "flight_id=ZZ1", want: []item{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := api.GetCtx(t.Context(), "/datos?"+tc.query)
			if resp.Code != http.StatusOK {
				t.Fatalf("GET /datos?%s = %d %s", tc.query, resp.Code, resp.Body)
			}
			if ct := resp.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			body := resp.Body.Bytes()
			if bytes := strings.TrimSpace(string(body)); !strings.HasPrefix(bytes, "[") {
				t.Errorf("body %q is not a JSON array", body)
			}
			if strings.Contains(string(body), "$schema") {
				t.Errorf("body has a $schema field: %s", body)
			}
			if diff := cmp.Diff(decodeJSON[[]item](t, body), tc.want); diff != "" {
				t.Errorf("GET /datos?%s (-got +want):\n%s", tc.query, diff)
			}
		})
	}
}

func TestListDatosInvalidParams(t *testing.T) {
	t.Parallel()
	api := newAPI(t, newStore(t))
	tests := []struct {
		name          string
		query         string
		wantLocations []string
	}{
		{name: "flight_id_lowercase", query: "flight_id=ib3456", wantLocations: []string{"query.flight_id"}},
		{name: "flight_id_too_long", query: "flight_id=IB345678901", wantLocations: []string{"query.flight_id"}},
		{name: "status_unknown", query: "status=teleported", wantLocations: []string{"query.status"}},
		{name: "since_not_a_date", query: "since=yesterday", wantLocations: []string{"query.since"}},
		{name: "until_date_only", query: "until=2026-11-27", wantLocations: []string{"query.until"}},
		{name: "since_after_until", query: "since=2026-11-27T10:00:00Z&until=2026-11-27T09:00:00Z", wantLocations: []string{"query.since"}},
		{name: "limit_zero", query: "limit=0", wantLocations: []string{"query.limit"}},
		{name: "limit_too_big", query: "limit=1001", wantLocations: []string{"query.limit"}},
		{name: "limit_not_a_number", query: "limit=ten", wantLocations: []string{"query.limit"}},
		{name: "cursor_garbage", query: "cursor=not-a-cursor", wantLocations: []string{"query.cursor"}},
		{name: "cursor_too_long", query: "cursor=" + strings.Repeat("A", 201), wantLocations: []string{"query.cursor"}},
		{name: "unknown_param", query: "flight=IB3456", wantLocations: []string{"query.flight"}},
		{name: "several_at_once", query: "flight_id=x&status=y&limit=5000", wantLocations: []string{"query.flight_id", "query.limit", "query.status"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := api.GetCtx(t.Context(), "/datos?"+tc.query)
			if resp.Code != http.StatusUnprocessableEntity {
				t.Fatalf("GET /datos?%s = %d %s, want 422", tc.query, resp.Code, resp.Body)
			}
			if ct := resp.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
			p := decodeJSON[problem](t, resp.Body.Bytes())
			if p.Status != 422 || p.Title != "Unprocessable Entity" || p.Detail == "" {
				t.Errorf("problem = %+v, want status 422, title and detail", p)
			}
			var got []string
			for _, e := range p.Errors {
				if e.Message == "" {
					t.Errorf("error at %s has no message", e.Location)
				}
				got = append(got, e.Location)
			}
			slices.Sort(got)
			got = slices.Compact(got)
			if diff := cmp.Diff(got, tc.wantLocations); diff != "" {
				t.Errorf("error locations (-got +want):\n%s\nbody: %s", diff, resp.Body)
			}
		})
	}
}

// TestFlightIDPatternMatchesDomain checks that the schema pattern of the
// flight_id parameter accepts exactly the designators the domain accepts.
func TestFlightIDPatternMatchesDomain(t *testing.T) {
	t.Parallel()
	doc := decodeJSON[struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name   string `json:"name"`
				Schema struct {
					Pattern   string `json:"pattern"`
					MaxLength int    `json:"maxLength"`
				} `json:"schema"`
			} `json:"parameters"`
		} `json:"paths"`
	}](t, mustOpenAPI(t, "json"))
	var re *regexp.Regexp
	var maxLen int
	for _, p := range doc.Paths["/datos"]["get"].Parameters {
		if p.Name == "flight_id" {
			re = regexp.MustCompile(p.Schema.Pattern)
			maxLen = p.Schema.MaxLength
		}
	}
	if re == nil {
		t.Fatal("no flight_id parameter in the OpenAPI document")
	}
	for _, id := range []string{"IB3456", "IB3456A", "U29", "2K1", "VY1", "ib3456", "IB", "IB34567", "I3456", "IB-3456", "IB3456AB", "IBE345", "", "IB 345"} {
		e := flightevents.Event{EventID: "x", FlightID: id, Status: flightevents.StatusLanded, Timestamp: testNow}
		domainOK := e.Validate(testNow) == nil
		schemaOK := id != "" && re.MatchString(id) && len(id) <= maxLen
		if domainOK != schemaOK {
			t.Errorf("flight_id %q: domain accepts = %v, OpenAPI schema accepts = %v", id, domainOK, schemaOK)
		}
	}
}

var linkNext = regexp.MustCompile(`^<([^>]+)>; rel="next"$`)

func TestListDatosPagination(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	events := makeEvents(257)
	seed(t, store, events)
	api := newAPI(t, store)
	tests := []struct {
		name      string
		start     string
		wantPages int
		want      []item
	}{
		{name: "all_events_limit_50", start: "/datos?limit=50", wantPages: 6, want: want(events, nil)},
		{name: "all_events_limit_1000", start: "/datos?limit=1000", wantPages: 1, want: want(events, nil)},
		{name: "exact_multiple", start: "/datos?flight_id=UX9&limit=" + fmt.Sprint((257+2)/3/3), wantPages: 4, want: want(events, func(e flightevents.Event) bool { return e.FlightID == "UX9" })},
		{name: "filtered_by_status_limit_7", start: "/datos?status=landed&limit=7", wantPages: 6, want: want(events, func(e flightevents.Event) bool { return e.Status == flightevents.StatusLanded })},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []item
			pages := 0
			for next := tc.start; next != ""; pages++ {
				if pages > 100 {
					t.Fatal("more than 100 pages: the Link header loops")
				}
				resp := api.GetCtx(t.Context(), next)
				if resp.Code != http.StatusOK {
					t.Fatalf("GET %s = %d %s", next, resp.Code, resp.Body)
				}
				got = append(got, decodeJSON[[]item](t, resp.Body.Bytes())...)
				next = ""
				if link := resp.Header().Get("Link"); link != "" {
					m := linkNext.FindStringSubmatch(link)
					if m == nil {
						t.Fatalf("Link header %q is not <url>; rel=\"next\"", link)
					}
					next = m[1]
				}
			}
			if pages != tc.wantPages {
				t.Errorf("walked %d pages, want %d", pages, tc.wantPages)
			}
			if diff := cmp.Diff(got, tc.want); diff != "" {
				t.Errorf("events over all pages (-got +want):\n%s", diff)
			}
		})
	}
}

func TestListDatosCaching(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	seed(t, store, makeEvents(10))
	api := newAPI(t, store)

	first := api.GetCtx(t.Context(), "/datos?limit=5")
	if first.Code != http.StatusOK {
		t.Fatalf("GET /datos = %d %s", first.Code, first.Body)
	}
	etag := first.Header().Get("ETag")
	sum := sha256.Sum256(first.Body.Bytes())
	if wantTag := `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`; etag != wantTag {
		t.Errorf("ETag = %q, want the strong hash of the body %q", etag, wantTag)
	}
	if cc := first.Header().Get("Cache-Control"); cc != "private, max-age=5" {
		t.Errorf("Cache-Control = %q, want private, max-age=5", cc)
	}

	tests := []struct {
		name        string
		path        string
		ifNoneMatch string
		wantStatus  int
	}{
		{name: "same_etag", path: "/datos?limit=5", ifNoneMatch: etag, wantStatus: http.StatusNotModified},
		{name: "weak_form_matches", path: "/datos?limit=5", ifNoneMatch: "W/" + etag, wantStatus: http.StatusNotModified},
		{name: "in_a_list", path: "/datos?limit=5", ifNoneMatch: `"other", ` + etag, wantStatus: http.StatusNotModified},
		{name: "star", path: "/datos?limit=5", ifNoneMatch: "*", wantStatus: http.StatusNotModified},
		{name: "other_etag", path: "/datos?limit=5", ifNoneMatch: `"other"`, wantStatus: http.StatusOK},
		{name: "other_representation", path: "/datos?limit=4", ifNoneMatch: etag, wantStatus: http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := api.GetCtx(t.Context(), tc.path, "If-None-Match: "+tc.ifNoneMatch)
			if resp.Code != tc.wantStatus {
				t.Fatalf("GET %s If-None-Match %s = %d, want %d", tc.path, tc.ifNoneMatch, resp.Code, tc.wantStatus)
			}
			if resp.Header().Get("Cache-Control") != "private, max-age=5" || resp.Header().Get("ETag") == "" {
				t.Errorf("headers %v lack Cache-Control or ETag", resp.Header())
			}
			if tc.wantStatus == http.StatusNotModified && resp.Body.Len() != 0 {
				t.Errorf("304 has a body: %q", resp.Body)
			}
		})
	}

}

func TestListDatosETagChangesWithData(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	seed(t, store, makeEvents(10))
	api := newAPI(t, store)
	etag := api.GetCtx(t.Context(), "/datos?limit=5").Header().Get("ETag")
	extra := flightevents.Event{FlightID: "IB1", Status: flightevents.StatusBoarding, Timestamp: testNow.Add(-time.Second)}
	extra.EventID = flightevents.DeriveEventID(extra.FlightID, extra.Status, extra.Timestamp)
	seed(t, store, []flightevents.Event{extra})
	resp := api.GetCtx(t.Context(), "/datos?limit=5", "If-None-Match: "+etag)
	if resp.Code != http.StatusOK || resp.Header().Get("ETag") == etag {
		t.Errorf("after a new event: status %d ETag %q, want 200 and a new ETag", resp.Code, resp.Header().Get("ETag"))
	}
}

// faultyStore is a real store whose ListEvents and Ping fail with err, to
// drive the error mapping.
type faultyStore struct {
	flightevents.EventStore
	err error
}

func (s faultyStore) ListEvents(context.Context, flightevents.EventFilter) (flightevents.EventPage, error) {
	return flightevents.EventPage{}, s.err
}

func (s faultyStore) Ping(context.Context) error { return s.err }

const secret = "dial tcp 10.1.2.3:5432: password=hunter2"

func TestListDatosStoreErrors(t *testing.T) {
	t.Parallel()
	closed := newStore(t)
	if err := closed.Close(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		store          flightevents.EventStore
		wantStatus     int
		wantRetryAfter string
		wantDetail     string
	}{
		{name: "closed_store_unavailable", store: closed, wantStatus: 503, wantRetryAfter: "5", wantDetail: "the event store is unavailable; retry later"},
		{name: "unavailable_with_cause", store: faultyStore{newStore(t), flightevents.WrapError(flightevents.EUNAVAILABLE, "backend down", errors.New(secret))}, wantStatus: 503, wantRetryAfter: "5", wantDetail: "the event store is unavailable; retry later"},
		{name: "internal_domain_error", store: faultyStore{newStore(t), flightevents.WrapError(flightevents.EINTERNAL, "query failed: "+secret, errors.New(secret))}, wantStatus: 500, wantDetail: "internal error"},
		{name: "plain_error", store: faultyStore{newStore(t), errors.New(secret)}, wantStatus: 500, wantDetail: "internal error"},
		{name: "invalid", store: faultyStore{newStore(t), flightevents.Errorf(flightevents.EINVALID, "filter is not supported")}, wantStatus: 422, wantDetail: "filter is not supported"},
		{name: "not_found", store: faultyStore{newStore(t), flightevents.Errorf(flightevents.ENOTFOUND, "no such table")}, wantStatus: 404, wantDetail: "no such table"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := newAPI(t, tc.store).GetCtx(t.Context(), "/datos")
			if resp.Code != tc.wantStatus {
				t.Fatalf("GET /datos = %d %s, want %d", resp.Code, resp.Body, tc.wantStatus)
			}
			if ct := resp.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
			if got := resp.Header().Get("Retry-After"); got != tc.wantRetryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tc.wantRetryAfter)
			}
			if strings.Contains(resp.Body.String(), "hunter2") || strings.Contains(resp.Body.String(), "10.1.2.3") {
				t.Errorf("response leaks the cause: %s", resp.Body)
			}
			p := decodeJSON[problem](t, resp.Body.Bytes())
			if diff := cmp.Diff(p, problem{Title: http.StatusText(tc.wantStatus), Status: tc.wantStatus, Detail: tc.wantDetail}); diff != "" {
				t.Errorf("problem (-got +want):\n%s", diff)
			}
		})
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	closed := newStore(t)
	if err := closed.Close(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		store      flightevents.EventStore
		path       string
		wantStatus int
		wantBody   string
	}{
		{name: "healthz_ok", store: newStore(t), path: "/healthz", wantStatus: 200, wantBody: `{"status":"ok"}`},
		{name: "healthz_ok_even_if_store_down", store: closed, path: "/healthz", wantStatus: 200, wantBody: `{"status":"ok"}`},
		{name: "readyz_ready", store: newStore(t), path: "/readyz", wantStatus: 200, wantBody: `{"status":"ready"}`},
		{name: "readyz_store_closed", store: closed, path: "/readyz", wantStatus: 503},
		{name: "readyz_store_error", store: faultyStore{newStore(t), errors.New(secret)}, path: "/readyz", wantStatus: 503},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := newAPI(t, tc.store).GetCtx(t.Context(), tc.path)
			if resp.Code != tc.wantStatus {
				t.Fatalf("GET %s = %d %s, want %d", tc.path, resp.Code, resp.Body, tc.wantStatus)
			}
			if tc.wantBody != "" && strings.TrimSpace(resp.Body.String()) != tc.wantBody {
				t.Errorf("body = %s, want %s", resp.Body, tc.wantBody)
			}
			if tc.wantStatus == 503 {
				if resp.Header().Get("Retry-After") == "" || strings.Contains(resp.Body.String(), "hunter2") {
					t.Errorf("503 without Retry-After or leaking the cause: %v %s", resp.Header(), resp.Body)
				}
			}
		})
	}
}
