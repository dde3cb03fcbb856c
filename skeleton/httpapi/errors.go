package httpapi

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	flightevents "${{ values.goModule }}"
)

// genericInternal is the only detail a 500 ever shows.
const genericInternal = "internal error"

// httpError is the one place where domain error codes become HTTP statuses:
//
//	EINVALID     → 422 with the domain's client-safe message
//	ENOTFOUND    → 404 with the domain's client-safe message
//	EUNAVAILABLE → 503 with Retry-After and a fixed message
//	anything else → 500 with a fixed message
//
// The cause is logged with the request context (and so its trace) for 5xx;
// it never reaches the client.
func (d Deps) httpError(ctx context.Context, action string, err error) error {
	switch flightevents.ErrorCode(err) {
	case flightevents.EINVALID:
		return huma.Error422UnprocessableEntity(flightevents.ErrorMessage(err))
	case flightevents.ENOTFOUND:
		return huma.Error404NotFound(flightevents.ErrorMessage(err))
	case flightevents.EUNAVAILABLE:
		d.Logger.WarnContext(ctx, action+": store unavailable", "error", err.Error())
		return unavailable(d.RetryAfter, "the event store is unavailable; retry later")
	default:
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			// The client went away or the request timed out: not a bug.
			d.Logger.InfoContext(ctx, action+": request ended", "error", err.Error())
			return unavailable(d.RetryAfter, "the request was cancelled")
		}
		d.Logger.ErrorContext(ctx, action+" failed", "error", err.Error())
		return huma.Error500InternalServerError(genericInternal)
	}
}

// unavailable returns a 503 problem with a Retry-After header.
func unavailable(retryAfter time.Duration, detail string) error {
	secs := int((retryAfter + time.Second - 1) / time.Second)
	return huma.ErrorWithHeaders(huma.Error503ServiceUnavailable(detail),
		http.Header{"Retry-After": {strconv.Itoa(secs)}})
}

// problemResponse documents an RFC 9457 problem response.
func problemResponse(registry huma.Registry, description string) *huma.Response {
	return &huma.Response{
		Description: description,
		Content: map[string]*huma.MediaType{
			"application/problem+json": {Schema: registry.Schema(reflect.TypeFor[huma.ErrorModel](), true, "")},
		},
	}
}

// withRetryAfter documents the Retry-After header of r.
func withRetryAfter(r *huma.Response) *huma.Response {
	r.Headers = map[string]*huma.Param{
		"Retry-After": {
			Description: "Seconds to wait before retrying.",
			Schema:      &huma.Schema{Type: huma.TypeInteger, Minimum: ptr(1.0)},
		},
	}
	return r
}

func ptr[T any](v T) *T { return &v }
