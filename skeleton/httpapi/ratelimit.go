package httpapi

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"
)

// Defaults for the zero values of RateLimitConfig.
const (
	DefaultRateLimit      = 1.0 // uncached reads per second per client
	DefaultRateBurst      = 10
	DefaultRateMaxClients = 65536
)

// RateLimitConfig shapes a RateLimiter. Zero values take the defaults.
type RateLimitConfig struct {
	// Rate is how many /datos reads per second one client may make that
	// the cache cannot answer (each one is a store query, on BigQuery a
	// billed one); Burst how many it may make at once.
	Rate  float64
	Burst int
	// TrustedProxyHops is how many proxies append their own entry to
	// X-Forwarded-For after the client's address (see ClientAddr).
	TrustedProxyHops int
	// MaxClients bounds the memory: the buckets of the least recently
	// seen clients are dropped first (a dropped client starts full again).
	MaxClients int
	// Now is the limiter's clock (time.Now if nil).
	Now func() time.Time
}

// RateLimiter is a token bucket per client (golang.org/x/time/rate) on
// the /datos reads that reach the store: cache hits and requests that
// join a query already in flight are never limited. Pass it in
// Deps.RateLimit; a nil Deps.RateLimit is no limit (DATOS_RATE_LIMIT=off,
// the local command's default). Every client is limited alike, loopback
// included. It is safe for concurrent use.
type RateLimiter struct {
	cfg RateLimitConfig
	mu  sync.Mutex
	lru *simplelru.LRU[string, *rate.Limiter]
}

// NewRateLimiter returns a RateLimiter with every client's bucket full.
func NewRateLimiter(cfg RateLimitConfig) *RateLimiter {
	if cfg.Rate <= 0 {
		cfg.Rate = DefaultRateLimit
	}
	if cfg.Burst <= 0 {
		cfg.Burst = DefaultRateBurst
	}
	if cfg.MaxClients <= 0 {
		cfg.MaxClients = DefaultRateMaxClients
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	// NewLRU fails only for a size below 1.
	l, _ := simplelru.NewLRU[string, *rate.Limiter](cfg.MaxClients, nil)
	return &RateLimiter{cfg: cfg, lru: l}
}

// allow takes a token from client's bucket. When there is none it takes
// nothing and returns false and how long until there is one.
func (l *RateLimiter) allow(client string) (bool, time.Duration) {
	now := l.cfg.Now()
	l.mu.Lock()
	lim, ok := l.lru.Get(client)
	if !ok {
		lim = rate.NewLimiter(rate.Limit(l.cfg.Rate), l.cfg.Burst)
		l.lru.Add(client, lim)
	}
	l.mu.Unlock()
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

type clientKey struct{}

// withClient puts the caller's address (ClientAddr) in the request's
// context for the rate limit.
func withClient(next http.Handler, hops int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientKey{}, ClientAddr(r, hops))))
	})
}

// clientFrom returns the address withClient stored, or "unknown" (every
// such request shares one bucket).
func clientFrom(ctx context.Context) string {
	if c, ok := ctx.Value(clientKey{}).(string); ok && c != "" {
		return c
	}
	return "unknown"
}

// ClientAddr is the rate limit's notion of a client: the caller's IP
// address as the service sees it behind Cloud Run. Cloud Run's front end
// sets X-Forwarded-For to the address it received the request from (a
// client's own X-Forwarded-For entries come before it), and every proxy in
// front of it appends its own entry after the client's: the client is the
// entry hops places from the end (hops 0 on a run.app URL, 1 behind an
// external Application Load Balancer). Without that entry (local runs,
// tests) it is the connection's remote address. IPv6 addresses are grouped
// by their /64, which one subscriber usually holds whole.
func ClientAddr(r *http.Request, hops int) string {
	var entries []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		for e := range strings.SplitSeq(h, ",") {
			entries = append(entries, strings.TrimSpace(e))
		}
	}
	if i := len(entries) - 1 - hops; i >= 0 {
		if a, ok := parseAddr(entries[i]); ok {
			return a
		}
	}
	if a, ok := parseAddr(r.RemoteAddr); ok {
		return a
	}
	return r.RemoteAddr
}

// parseAddr parses an IP address, with or without a port, into its key.
func parseAddr(s string) (string, bool) {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return "", false
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.WithZone("").Prefix(64)
		return p.String(), true
	}
	return a.String(), true
}
