// Package httpretry is the one retry policy of the platform's HTTP clients (the GitHub client,
// the Jira client and, through it, cinotify): it alone decides which failures are tried again, how
// long to wait and how many times. Transport applies it to each request as an http.RoundTripper;
// Wait applies the same backoff to a caller that must look before it acts again.
//
// What is retried:
//   - a refusal for load, for every method: 429 Too Many Requests, 503 Service Unavailable, and a
//     403 that carries a rate-limit signal (Retry-After, or X-RateLimit-Remaining: 0, GitHub's
//     primary and secondary limits). The server did nothing, so replaying is safe.
//   - a failure that leaves the outcome unknown (Unsettled: 500, 502, 504, or no response at all),
//     only for idempotent methods (GET, HEAD, OPTIONS, TRACE, PUT, DELETE). A POST or PATCH that
//     may have reached the server is never replayed blindly: Transport hands the failure back and
//     the caller checks what the server did (a search, a listing) before acting again, after Wait.
//
// How long: the server's hint when it gives one (Retry-After in seconds or as an HTTP date,
// X-RateLimit-Reset as Jira Cloud's ISO 8601 instant or Unix seconds), otherwise an exponential
// backoff from BaseDelay, always times a jitter that only lengthens the wait. A wait longer than
// MaxDelay or past the request context's deadline is not waited: the refusal is returned at once.
// At most MaxTries attempts. It is not a circuit breaker or a rate limiter.
package httpretry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Defaults used when the Transport fields are zero.
const (
	DefaultMaxTries  = 3
	DefaultBaseDelay = time.Second
	// DefaultMaxDelay is the longest single wait; a server asking for more is
	// answered with its own refusal instead (retrying earlier would fail again).
	DefaultMaxDelay = 30 * time.Second
)

// Transport retries what the policy retries (see the package doc). The zero value is usable.
type Transport struct {
	// Base sends the requests; http.DefaultTransport when nil.
	Base http.RoundTripper
	// MaxTries is the total number of attempts, first one included.
	MaxTries int
	// BaseDelay is the first backoff when the server gives no hint; it doubles per retry.
	BaseDelay time.Duration
	// MaxDelay is the longest single wait (DefaultMaxDelay when zero).
	MaxDelay time.Duration
	// Sleep waits for d or until ctx is done; tests inject an instant one.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used to read X-RateLimit-Reset and deadlines.
	Now func() time.Time
	// Jitter returns a factor in [1, 1.3); the wait is never shorter than asked.
	Jitter func() float64
	// OnRetry, when set, is told about each retry (for a log line without secrets).
	OnRetry func(Retry)
}

// Retry describes one retry decision.
type Retry struct {
	Method string
	Path   string
	Status int // 0 when no response came
	Try    int // the attempt that failed, 1-based
	Wait   time.Duration
}

// ErrBodyNotReplayable is returned when a retry is due but the request body
// cannot be re-read (no GetBody).
var ErrBodyNotReplayable = errors.New("request body cannot be replayed")

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	maxTries := t.maxTries()
	ctx := req.Context()
	for try := 1; ; try++ {
		r := req
		if try > 1 && req.Body != nil && req.Body != http.NoBody {
			if req.GetBody == nil {
				return nil, fmt.Errorf("retry %s %s: %w", req.Method, req.URL.Path, ErrBodyNotReplayable)
			}
			body, err := req.GetBody()
			if err != nil {
				return nil, fmt.Errorf("replay request body: %w", err)
			}
			r = req.Clone(ctx)
			r.Body = body
		}
		resp, err := t.base().RoundTrip(r)
		if try >= maxTries || !retryable(req.Method, resp, err) || ctx.Err() != nil {
			return resp, err
		}
		var h http.Header
		status := 0
		if resp != nil {
			h, status = resp.Header, resp.StatusCode
		}
		wait := t.delay(h, try)
		if wait > t.maxDelay() {
			return resp, err
		}
		if dl, ok := ctx.Deadline(); ok && t.now().Add(wait).After(dl) {
			// Waiting would outlive the overall deadline: hand back the
			// failure now rather than sleeping into a certain one.
			return resp, err
		}
		if resp != nil {
			drain(resp)
		}
		if t.OnRetry != nil {
			t.OnRetry(Retry{Method: req.Method, Path: req.URL.Path, Status: status, Try: try, Wait: wait})
		}
		if err := t.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("wait to retry %s %s: %w", req.Method, req.URL.Path, err)
		}
	}
}

// Refused reports whether a response is a refusal for load: 429, 503, or a 403 with a rate-limit
// signal (Retry-After, or X-RateLimit-Remaining: 0). The server did nothing; any method may be
// sent again.
func Refused(status int, h http.Header) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return true
	case http.StatusForbidden:
		return h.Get("Retry-After") != "" || h.Get("X-RateLimit-Remaining") == "0"
	}
	return false
}

// Unsettled reports whether a failure leaves a request's outcome unknown: 500, 502 or 504, or
// status 0 for no response at all. Transport replays such a request only when its method is
// idempotent; for a POST or PATCH the caller looks before acting again (see Wait).
func Unsettled(status int) bool {
	switch status {
	case 0, http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// Idempotent reports whether sending a request of this method twice has the effect of sending it
// once (RFC 9110 section 9.2.2).
func Idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// retryable is the policy for one attempt: err is a transport error (no response).
func retryable(method string, resp *http.Response, err error) bool {
	if err != nil {
		return Idempotent(method) && Unsettled(0)
	}
	return Refused(resp.StatusCode, resp.Header) || (Idempotent(method) && Unsettled(resp.StatusCode))
}

// ErrExhausted is returned by Wait when the attempts are used up.
var ErrExhausted = errors.New("attempts exhausted")

// Wait sleeps before round try+1 of an operation the caller repeats itself, because its round try
// (1-based) ended Unsettled and it must look before acting again (a create that got no answer is
// searched for before it is sent again). The wait is Transport's backoff without a server hint;
// after MaxTries rounds, or a wait past the context's deadline, it returns ErrExhausted at once.
func (t *Transport) Wait(ctx context.Context, try int) error {
	if try >= t.maxTries() {
		return fmt.Errorf("wait for round %d: %w (%d)", try+1, ErrExhausted, t.maxTries())
	}
	wait := t.delay(nil, try)
	if dl, ok := ctx.Deadline(); ok && t.now().Add(wait).After(dl) {
		return fmt.Errorf("wait %s for round %d: %w before the deadline", wait.Round(time.Millisecond), try+1, ErrExhausted)
	}
	return t.sleep(ctx, wait)
}

func (t *Transport) maxTries() int {
	if t.MaxTries > 0 {
		return t.MaxTries
	}
	return DefaultMaxTries
}

// delay is the wait before attempt try+1: the server's hint when it gave one,
// exponential backoff otherwise, times a jitter that only lengthens it.
func (t *Transport) delay(h http.Header, try int) time.Duration {
	d, ok := ServerHint(h, t.now())
	if !ok {
		base := t.BaseDelay
		if base <= 0 {
			base = DefaultBaseDelay
		}
		d = base << (try - 1)
	}
	jitter := 1.0
	if t.Jitter != nil {
		jitter = t.Jitter()
	} else {
		jitter = 1 + 0.3*rand.Float64()
	}
	return time.Duration(float64(d) * jitter)
}

func (t *Transport) maxDelay() time.Duration {
	if t.MaxDelay > 0 {
		return t.MaxDelay
	}
	return DefaultMaxDelay
}

// ServerHint reads how long the server asked us to wait: Retry-After first
// (delta-seconds or an HTTP date), then X-RateLimit-Reset (Jira Cloud sends an
// ISO 8601 instant such as 2026-11-27T10:15Z; Unix seconds are accepted too).
func ServerHint(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
			return time.Duration(secs) * time.Second, true
		}
		if at, err := http.ParseTime(v); err == nil {
			return max(at.Sub(now), 0), true
		}
	}
	if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
		for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02T15:04Z"} {
			if at, err := time.Parse(layout, v); err == nil {
				return max(at.Sub(now), 0), true
			}
		}
		if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
			return max(time.Unix(secs, 0).Sub(now), 0), true
		}
	}
	return 0, false
}

func (t *Transport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

func (t *Transport) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t *Transport) sleep(ctx context.Context, d time.Duration) error {
	if t.Sleep != nil {
		return t.Sleep(ctx, d)
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// drain reads a little of a discarded response so the connection can be reused.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}
