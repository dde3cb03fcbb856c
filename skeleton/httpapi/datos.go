package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/metrics"
)

// FlightEvent is one item of the GET /datos response: the seed's shape.
type FlightEvent struct {
	FlightID  string     `json:"flight_id" doc:"IATA flight designator." example:"IB3456"`
	Status    statusEnum `json:"status" doc:"Flight status."`
	Timestamp time.Time  `json:"timestamp" doc:"When the status was reported (RFC 3339, UTC)." example:"2026-11-27T08:00:00Z"`
}

// statusEnum is a flight status whose JSON Schema enum is generated from
// flightevents.Statuses, so the OpenAPI document cannot drift from the domain.
type statusEnum string

// TransformSchema implements huma.SchemaTransformer.
func (statusEnum) TransformSchema(_ huma.Registry, s *huma.Schema) *huma.Schema {
	s.Enum = make([]any, len(flightevents.Statuses))
	for i, st := range flightevents.Statuses {
		s.Enum[i] = string(st)
	}
	return s
}

// pageLimit is the limit parameter of GET /datos. Its bounds and default
// are the domain's (1 to flightevents.MaxLimit, default
// flightevents.DefaultLimit): declared there once and put into the OpenAPI
// schema, which Huma validates requests against, by TransformSchema.
// Resolve applies the default.
type pageLimit int

// TransformSchema implements huma.SchemaTransformer.
func (pageLimit) TransformSchema(_ huma.Registry, s *huma.Schema) *huma.Schema {
	lo, hi := 1.0, float64(flightevents.MaxLimit)
	s.Minimum, s.Maximum, s.Default = &lo, &hi, flightevents.DefaultLimit
	return s
}

// listInput are the parameters of GET /datos. The flight_id pattern repeats
// the domain's rule; a test checks both accept the same designators.
type listInput struct {
	FlightID string     `query:"flight_id" pattern:"^[A-Z0-9]{2}[0-9]{1,4}[A-Z]?$" maxLength:"8" doc:"Only events of this flight (IATA designator)." example:"IB3456"`
	Status   statusEnum `query:"status" doc:"Only events with this status."`
	Since    time.Time  `query:"since" doc:"Only events at or after this instant (RFC 3339). Default: 24 hours before until (without until: 23 hours before now)."`
	Until    time.Time  `query:"until" doc:"Only events before this instant (RFC 3339). Default: 24 hours from now when since is given, else 1 hour from now."`
	Limit    pageLimit  `query:"limit" doc:"Page size."`
	Cursor   string     `query:"cursor" maxLength:"200" doc:"Opaque token from the Link rel=\"next\" header of the previous page."`

	IfNoneMatch string `header:"If-None-Match" doc:"ETag of a cached copy; a match returns 304 Not Modified."`

	after    *flightevents.Cursor // parsed Cursor, set by Resolve
	rawQuery string               // the query string as sent, set by Resolve
}

// Resolve implements huma.Resolver: checks that need more than one field
// or the domain's cursor format, reported with the schema errors in one 422.
func (in *listInput) Resolve(ctx huma.Context) []error {
	in.rawQuery = ctx.URL().RawQuery
	if in.Limit == 0 { // absent: an explicit 0 fails the schema's minimum
		in.Limit = flightevents.DefaultLimit
	}
	var errs []error
	if !in.Since.IsZero() && !in.Until.IsZero() && in.Since.After(in.Until) {
		errs = append(errs, &huma.ErrorDetail{
			Location: "query.since",
			Message:  "since must not be after until",
			Value:    in.Since.Format(time.RFC3339Nano),
		})
	}
	if in.Cursor != "" {
		c, err := flightevents.ParseCursor(in.Cursor)
		if err != nil {
			errs = append(errs, &huma.ErrorDetail{
				Location: "query.cursor",
				Message:  flightevents.ErrorMessage(err),
				Value:    in.Cursor,
			})
		} else {
			in.after = &c
		}
	}
	return errs
}

type listOutput struct {
	Status        int
	ContentType   string `header:"Content-Type" hidden:"true"`
	ContentLength string `header:"Content-Length" hidden:"true"`
	ETag          string `header:"ETag" doc:"Strong validator of the body (a hash of its bytes)."`
	CacheControl  string `header:"Cache-Control" doc:"How long clients may reuse the response."`
	Link          string `header:"Link" doc:"<URL>; rel=\"next\" to the next page; absent on the last page."`
	Age           string `header:"Age" doc:"Seconds since the service read this response from the store, when it was served from the service's cache."`
	Warning       string `header:"Warning" doc:"110 - \"Response is Stale\" when the store is unavailable and an older cached response is served, or when an expired cached response is served while the service re-reads it (stale-while-revalidate in Cache-Control)."`
	// Body is the JSON array, serialised by the handler (appendEvents) so
	// that the ETag is the hash of exactly the bytes sent. Its schema is
	// declared on the operation (array of FlightEvent).
	Body []byte
}

func registerDatos(api huma.API, deps Deps) {
	registry := api.OpenAPI().Components.Schemas
	// Declared by hand: Huma would make a Go slice nullable, and the body is
	// always an array ("[]" when empty).
	itemsSchema := &huma.Schema{Type: huma.TypeArray, Items: registry.Schema(reflect.TypeFor[FlightEvent](), true, "")}
	huma.Register(api, huma.Operation{
		OperationID: "list-datos",
		Method:      http.MethodGet,
		Path:        "/datos",
		Summary:     "List flight events",
		Description: "Flight-status events, newest first, filtered by flight, status and time range. " +
			"Pages are linked by a `Link: <...>; rel=\"next\"` header; follow it until it is absent. " +
			"Without since and until, the 24 hours from 23 hours before now to 1 hour ahead (for clock skew) are searched. " +
			"Cost guards: one request may span at most the service's maximum range (31 days unless configured; longer: 422 naming the limit), " +
			"a query that would bill more BigQuery bytes than the service's per-query cap is refused with 422 and never runs, " +
			"and each client may make a limited number of reads per second that the response cache cannot answer (beyond it: 429 with Retry-After; " +
			"repeating a recent query is answered from the cache and never limited).",
		Tags: []string{"events"},
		Responses: map[string]*huma.Response{
			"200": {
				Description: "Events, newest first.",
				Content:     map[string]*huma.MediaType{"application/json": {Schema: itemsSchema}},
			},
			"304": {Description: "Not Modified: If-None-Match matched the current ETag."},
			"422": problemResponse(registry, "Invalid query parameters (one entry per parameter in errors), a time range longer than the maximum, "+
				"or a query that would bill more BigQuery bytes than one request may."),
			"429": withRetryAfter(problemResponse(registry, "This client made too many reads the cache could not answer; retry after Retry-After seconds.")),
			"500": problemResponse(registry, "Internal error; the detail never contains internals."),
			"503": withRetryAfter(problemResponse(registry, "The event store is unavailable; retry after Retry-After seconds.")),
		},
	}, func(ctx context.Context, in *listInput) (*listOutput, error) {
		return listDatos(ctx, deps, in)
	})
}

func listDatos(ctx context.Context, deps Deps, in *listInput) (*listOutput, error) {
	if err := checkRange(in, deps); err != nil {
		return nil, err
	}
	var (
		page *datosPage
		res  lookup
		err  error
	)
	key := datosKey(in)
	if deps.RateLimit != nil && (deps.Cache == nil || !deps.Cache.answers(key)) {
		if ok, wait := deps.RateLimit.allow(clientFrom(ctx)); !ok {
			return nil, tooManyReads(deps.RateLimit.cfg, wait)
		}
	}
	if deps.Cache == nil {
		page, err = loadDatos(ctx, deps, in)
	} else {
		// A background refresh of a stale entry is a store query like any
		// other: it takes a token from this client's bucket, or does not run.
		var admit func() bool
		if deps.RateLimit != nil {
			client := clientFrom(ctx)
			admit = func() bool { ok, _ := deps.RateLimit.allow(client); return ok }
		}
		params := *in // the shared query may outlive this request
		page, res, err = deps.Cache.get(ctx, key, func(ctx context.Context) (*datosPage, error) {
			return loadDatos(ctx, deps, &params)
		}, admit)
		if err == nil && res.result != metrics.CacheStale && res.result != metrics.CacheRevalidate {
			deps.Cache.bindRaw(in.rawQuery, key)
		}
	}
	if err != nil {
		return nil, deps.httpError(ctx, "list events", err)
	}
	if res.result == metrics.CacheStale {
		deps.Logger.WarnContext(ctx, "list events: store unavailable; serving a stale response",
			"age_seconds", int(res.age/time.Second), "error", res.cause.Error())
	}
	out := datosResponse(page, res, cacheControl(deps), in.IfNoneMatch)
	return &out, nil
}

// cacheControl is the Cache-Control header of /datos responses: max-age,
// and, when the service's cache serves stale while revalidating, the same
// permission for the client's cache (RFC 5861 stale-while-revalidate, in
// whole seconds).
func cacheControl(deps Deps) string {
	cc := "private, max-age=" + strconv.Itoa(int(deps.CacheMaxAge/time.Second))
	if deps.Cache != nil {
		if swr := int(deps.Cache.cfg.StaleWhileRevalidate / time.Second); swr > 0 {
			cc += ", stale-while-revalidate=" + strconv.Itoa(swr)
		}
	}
	return cc
}

// datosResponse is the response of GET /datos for page, obtained as res
// says, to a request with the If-None-Match header ifNoneMatch: 200 with
// the page, or 304 when the ETag matches, with Age on pages from memory and
// Warning on stale ones. Both the Huma route and the fast path send it.
func datosResponse(page *datosPage, res lookup, cacheControl, ifNoneMatch string) listOutput {
	out := listOutput{
		Status:        http.StatusOK,
		ContentType:   "application/json",
		ContentLength: page.contentLength,
		ETag:          page.etag,
		CacheControl:  cacheControl,
		Link:          page.link,
		Body:          page.body,
	}
	switch res.result {
	case metrics.CacheHit, metrics.CacheRevalidate, metrics.CacheStale:
		out.Age = strconv.Itoa(int(res.age / time.Second))
	}
	if res.result == metrics.CacheRevalidate || res.result == metrics.CacheStale {
		out.Warning = staleWarning
	}
	if etagMatches(ifNoneMatch, out.ETag) {
		out.Status = http.StatusNotModified
		out.ContentType = ""
		out.ContentLength = ""
		out.Body = nil
	}
	return out
}

// filter is the store filter of the request, its range not yet bounded.
func (in *listInput) filter() flightevents.EventFilter {
	return flightevents.EventFilter{
		FlightID: in.FlightID,
		Status:   flightevents.Status(in.Status),
		Since:    in.Since.UTC(),
		Until:    in.Until.UTC(),
		Limit:    int(in.Limit),
		After:    in.after,
	}
}

// checkRange refuses, with a 422 naming the limit, a request whose range
// (defaults applied) is longer than deps.MaxRange.
func checkRange(in *listInput, deps Deps) error {
	f := in.filter().Bounded(deps.Now())
	span := f.Until.Sub(f.Since)
	if span <= deps.MaxRange {
		return nil
	}
	msg := fmt.Sprintf("since to until spans %s, more than the %s (%s) one request may read", days(span), days(deps.MaxRange), deps.MaxRange)
	if in.Until.IsZero() {
		msg += fmt.Sprintf("; without until, until is %s from now", flightevents.MaxClockSkew)
	}
	return huma.Error422UnprocessableEntity("time range too long: narrow since/until or page through shorter ranges", &huma.ErrorDetail{
		Location: "query.since",
		Message:  msg,
		Value:    f.Since.Format(time.RFC3339Nano),
	})
}

// days formats d in days, as the range limit is usually thought of.
func days(d time.Duration) string {
	return strconv.FormatFloat(d.Hours()/24, 'f', -1, 64) + " days"
}

// tooManyReads is the 429 of a client over its rate of uncached reads.
func tooManyReads(cfg RateLimitConfig, wait time.Duration) error {
	secs := max(1, int((wait+time.Second-1)/time.Second))
	detail := fmt.Sprintf("too many reads the cache could not answer: this client may make %g a second (bursts of %d); retry after %d s (repeating a recent query is answered from the cache and not limited)",
		cfg.Rate, cfg.Burst, secs)
	return huma.ErrorWithHeaders(huma.Error429TooManyRequests(detail), http.Header{"Retry-After": {strconv.Itoa(secs)}})
}

// loadDatos queries the store and serialises the page.
func loadDatos(ctx context.Context, deps Deps, in *listInput) (*datosPage, error) {
	// Bound the range here rather than in the store, so that the next-page
	// link carries the same since and until and every page searches the
	// same window.
	f := in.filter().Bounded(deps.Now())

	page, err := deps.Store.ListEvents(ctx, f)
	if err != nil {
		return nil, err
	}
	body := appendEvents(make([]byte, 0, 96*len(page.Events)+2), page.Events)
	p := &datosPage{
		body:          body,
		contentLength: strconv.Itoa(len(body)),
		etag:          strongETag(body),
	}
	if page.Next != nil {
		p.link = nextLink(in, f, *page.Next)
	}
	return p, nil
}

// nextLink is the Link header value of the page after cursor, with the
// same filters and the bounded since and until of this request.
func nextLink(in *listInput, f flightevents.EventFilter, next flightevents.Cursor) string {
	var b strings.Builder
	b.Grow(192)
	b.WriteString("</datos?")
	if in.FlightID != "" {
		b.WriteString("flight_id=" + url.QueryEscape(in.FlightID) + "&")
	}
	if in.Status != "" {
		b.WriteString("status=" + url.QueryEscape(string(in.Status)) + "&")
	}
	b.WriteString("since=" + url.QueryEscape(f.Since.Format(time.RFC3339Nano)) + "&")
	b.WriteString("until=" + url.QueryEscape(f.Until.Format(time.RFC3339Nano)) + "&")
	b.WriteString("limit=" + strconv.Itoa(f.Limit) + "&cursor=" + next.String() + `>; rel="next"`)
	return b.String()
}

// strongETag returns a strong entity tag: 128 bits of the SHA-256 of body.
func strongETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
}

// etagMatches reports whether an If-None-Match header value matches etag,
// using the weak comparison RFC 9110 §13.1.2 prescribes for it.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	if strings.TrimSpace(header) == "*" {
		return true
	}
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == etag {
			return true
		}
	}
	return false
}
