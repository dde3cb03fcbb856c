// Package httpretry is an http.RoundTripper that retries requests a server
// refused for load: 429 Too Many Requests and 503 Service Unavailable, and
// nothing else.
//
// It honours Retry-After (seconds or HTTP date) and X-RateLimit-Reset (Jira
// Cloud's ISO 8601 timestamp, or Unix seconds), otherwise backs off
// exponentially, always with jitter, makes at most MaxTries attempts, and never
// sleeps past the request context's deadline. It is not a general resilience
// layer: transport errors and other statuses are returned to the caller
// untouched, because a POST that may have reached the server must not be
// replayed blindly.
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

// Transport retries 429 and 503 responses. The zero value is usable.
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
	Status int
	Try    int // the attempt that failed, 1-based
	Wait   time.Duration
}

// ErrBodyNotReplayable is returned when a retry is due but the request body
// cannot be re-read (no GetBody).
var ErrBodyNotReplayable = errors.New("request body cannot be replayed")

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	maxTries := t.MaxTries
	if maxTries <= 0 {
		maxTries = DefaultMaxTries
	}
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
		if err != nil || !Retryable(resp.StatusCode) || try >= maxTries {
			return resp, err
		}
		wait := t.delay(resp.Header, try)
		if wait > t.maxDelay() {
			return resp, nil
		}
		if dl, ok := ctx.Deadline(); ok && t.now().Add(wait).After(dl) {
			// Waiting would outlive the overall deadline: hand back the
			// refusal now rather than sleeping into a certain failure.
			return resp, nil
		}
		drain(resp)
		if t.OnRetry != nil {
			t.OnRetry(Retry{Method: req.Method, Path: req.URL.Path, Status: resp.StatusCode, Try: try, Wait: wait})
		}
		if err := t.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("wait to retry %s %s: %w", req.Method, req.URL.Path, err)
		}
	}
}

// Retryable reports whether a status is one this transport retries.
func Retryable(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
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
