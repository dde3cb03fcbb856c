package httpapi

import (
	"context"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/sync/singleflight"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/metrics"
)

// Defaults for the zero values of CacheConfig.
const (
	DefaultCacheTTL          = 2 * time.Second
	DefaultCacheMaxStale     = 5 * time.Minute
	DefaultCacheMaxBytes     = 64 << 20
	DefaultCacheQueryTimeout = 30 * time.Second
	DefaultCacheMaxRefreshes = 4
)

// staleWarning is the Warning header of a response served stale, while
// the store is unavailable or while the cache revalidates it (RFC 7234
// §5.5.1, warn-code 110).
const staleWarning = `110 - "Response is Stale"`

// entryOverhead approximates the memory of an entry besides its strings
// and body: the LRU's list element and map slot and the page struct.
const entryOverhead = 256

// CacheConfig shapes a Cache. Zero values take the defaults.
type CacheConfig struct {
	// TTL is how long a /datos response is served from memory without
	// asking the store again (default 2s). It bounds how stale a read can
	// be while the store is healthy: keep it at or below Deps.CacheMaxAge.
	TTL time.Duration
	// MaxStale is how long after TTL an entry is kept to be served, marked
	// stale, while the store answers EUNAVAILABLE (default 5 min).
	MaxStale time.Duration
	// StaleWhileRevalidate is how long after TTL an expired entry is still
	// served at once, marked stale, while one background query refreshes
	// it (RFC 5861 stale-while-revalidate; the service's default is
	// config.DefaultDatosCacheStaleWhileRevalidate). Zero turns it off: an
	// expired entry is re-read before the request is answered. A window
	// longer than MaxStale raises MaxStale to it, since entries are kept
	// TTL+MaxStale.
	StaleWhileRevalidate time.Duration
	// MaxRefreshes bounds the background refreshes running at once
	// (default 4). While they are all busy, or the request's client may
	// not make another store query (Cache.get's admit), an expired entry
	// within the window is still served but starts no refresh.
	MaxRefreshes int
	// MaxBytes bounds the memory of the cached responses (default 64 MiB);
	// least recently used entries are evicted first.
	MaxBytes int64
	// QueryTimeout bounds a store query shared by coalesced requests
	// (default 30s). It does not follow any one request's context, so that
	// a client going away does not fail the others waiting for the query.
	QueryTimeout time.Duration
	// Metrics receives hits, misses, evictions and the cache size (nil:
	// none).
	Metrics *metrics.Metrics
	// Now is the cache's clock (time.Now if nil).
	Now func() time.Time
}

// Cache is the /datos response cache: pre-serialised response bodies
// keyed by the normalised query, fresh for a short TTL, bounded in memory
// (least recently used evicted first, hashicorp/golang-lru), with request
// coalescing (N concurrent identical requests make one store query,
// x/sync/singleflight), expired entries served while one background query
// refreshes them (StaleWhileRevalidate) and stale entries served while the
// store is unavailable. It is safe for concurrent use. Pass it in
// Deps.Cache, and Close it after the HTTP server has shut down.
type Cache struct {
	cfg     CacheConfig
	queries singleflight.Group // store queries in flight, by key
	waiting atomic.Int64       // requests waiting for them (for tests)

	// closing ends with Close: the store queries the cache runs follow it,
	// not the requests that started them.
	closing   context.Context
	close     context.CancelFunc
	refreshes sync.WaitGroup // background refreshes running

	mu  sync.Mutex
	lru *simplelru.LRU[string, *cacheEntry]
	// raw maps query strings, exactly as requests spelled them, to the
	// keys of the entries they were validated and answered with (see
	// freshRaw).
	raw   map[string]string
	bytes int64
	// inflight holds the keys whose store query is running.
	inflight map[string]bool
	// refreshing holds the keys whose background refresh is running, at
	// most cfg.MaxRefreshes.
	refreshing map[string]bool
	closed     bool
}

// datosPage is one /datos 200 response, ready to send.
type datosPage struct {
	body          []byte
	contentLength string
	etag          string
	link          string
	stored        time.Time // when the store answered, by the cache's clock
}

type cacheEntry struct {
	page *datosPage
	size int64
	raws []string // query strings bound to this entry, at most maxRawSpellings
}

// maxRawSpellings bounds the query strings remembered per entry: a client
// varying parameter order or time zones cannot grow the memory.
const maxRawSpellings = 4

// panicked carries a panic of a shared store query to the requests that
// waited for it, which re-panic so that the handler's recovery logs it.
type panicked struct {
	value any
	stack []byte
}

func (p *panicked) Error() string { return fmt.Sprintf("panic in store query: %v", p.value) }

// lookup describes how a page was obtained.
type lookup struct {
	result string        // metrics.CacheHit, CacheRevalidate, CacheCoalesced, CacheMiss or CacheStale
	age    time.Duration // age of the page when it came from memory
	cause  error         // for CacheStale: the store's error
}

// NewCache returns an empty Cache.
func NewCache(cfg CacheConfig) *Cache {
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultCacheTTL
	}
	if cfg.MaxStale <= 0 {
		cfg.MaxStale = DefaultCacheMaxStale
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultCacheMaxBytes
	}
	if cfg.QueryTimeout <= 0 {
		cfg.QueryTimeout = DefaultCacheQueryTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.StaleWhileRevalidate = max(0, cfg.StaleWhileRevalidate)
	cfg.MaxStale = max(cfg.MaxStale, cfg.StaleWhileRevalidate)
	if cfg.MaxRefreshes <= 0 {
		cfg.MaxRefreshes = DefaultCacheMaxRefreshes
	}
	c := &Cache{cfg: cfg, raw: make(map[string]string), inflight: make(map[string]bool), refreshing: make(map[string]bool)}
	c.closing, c.close = context.WithCancel(context.Background())
	// MaxBytes bounds the memory; the entry count it implies (every entry
	// takes more than entryOverhead) is the LRU's size, at least 1, the
	// only condition under which NewLRU fails.
	c.lru, _ = simplelru.NewLRU(max(1, int(cfg.MaxBytes/entryOverhead)), c.dropped)
	return c
}

// dropped releases what an entry leaving the LRU held. The caller holds
// c.mu (every LRU call does).
func (c *Cache) dropped(_ string, e *cacheEntry) {
	for _, r := range e.raws {
		delete(c.raw, r)
	}
	c.bytes -= e.size
}

// get returns the page for key: from memory while fresh; within the
// StaleWhileRevalidate window after that, from memory as CacheRevalidate,
// starting a background refresh (see refresh; admit is asked first); else
// from load, called once for all concurrent callers of the same key. When
// load fails with EUNAVAILABLE and an entry younger than TTL+MaxStale
// exists, that entry is returned as CacheStale. The error is load's, or
// ctx's when the caller's context ends first.
func (c *Cache) get(ctx context.Context, key string, load func(context.Context) (*datosPage, error), admit func() bool) (*datosPage, lookup, error) {
	now := c.cfg.Now()
	c.mu.Lock()
	page, age, st := c.lookup(key, now)
	c.mu.Unlock()
	switch st {
	case entryFresh:
		c.cfg.Metrics.CacheRequest(metrics.CacheHit)
		return page, lookup{result: metrics.CacheHit, age: age}, nil
	case entryRevalidate:
		c.refresh(ctx, key, load, admit)
		c.cfg.Metrics.CacheRequest(metrics.CacheRevalidate)
		return page, lookup{result: metrics.CacheRevalidate, age: age}, nil
	}
	leader := false // set by the one caller whose function runs the query
	done := c.queries.DoChan(key, func() (any, error) {
		leader = true
		return c.query(ctx, key, load)
	})
	c.waiting.Add(1)
	var r singleflight.Result
	select {
	case r = <-done:
		c.waiting.Add(-1)
	case <-ctx.Done():
		c.waiting.Add(-1)
		return nil, lookup{}, ctx.Err()
	}
	if p, ok := r.Err.(*panicked); ok {
		panic(fmt.Sprintf("%v\n\nstore query goroutine:\n%s", p.value, p.stack))
	}
	res := lookup{result: metrics.CacheCoalesced}
	if leader {
		res.result = metrics.CacheMiss
	}
	if r.Err == nil {
		c.cfg.Metrics.CacheRequest(res.result)
		return r.Val.(*datosPage), res, nil
	}
	if flightevents.ErrorCode(r.Err) == flightevents.EUNAVAILABLE {
		if page, age, ok := c.stale(key); ok {
			c.cfg.Metrics.CacheRequest(metrics.CacheStale)
			return page, lookup{result: metrics.CacheStale, age: age, cause: r.Err}, nil
		}
	}
	c.cfg.Metrics.CacheRequest(res.result)
	return nil, res, r.Err
}

// answers reports whether a request for key would be answered without a
// store query of its own: from a fresh entry, from one within the
// StaleWhileRevalidate window (whose refresh get charges to the client
// through admit), or by joining the query in flight. The rate limit
// spares such requests.
func (c *Cache) answers(key string) bool {
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inflight[key] {
		return true
	}
	e, ok := c.lru.Peek(key)
	return ok && now.Sub(e.page.stored) < c.cfg.TTL+c.cfg.StaleWhileRevalidate
}

// entryState is what lookup found for a key.
type entryState int

const (
	entryNone       entryState = iota // absent, or past the revalidate window
	entryFresh                        // younger than TTL
	entryRevalidate                   // expired, within StaleWhileRevalidate
)

// lookup returns the entry for key and its age at now while it is fresh
// or within the StaleWhileRevalidate window, marking it recently used.
// The caller holds c.mu.
func (c *Cache) lookup(key string, now time.Time) (*datosPage, time.Duration, entryState) {
	e, ok := c.lru.Peek(key)
	if !ok {
		return nil, 0, entryNone
	}
	age := now.Sub(e.page.stored)
	st := entryFresh
	if age >= c.cfg.TTL {
		st = entryRevalidate
	}
	if age >= c.cfg.TTL+c.cfg.StaleWhileRevalidate {
		// Not marked used: expired entries collect at the back (see put).
		return nil, 0, entryNone
	}
	c.lru.Get(key)
	return e.page, age, st
}

// fresh returns the entry for key while it is younger than TTL at now,
// marking it recently used. The caller holds c.mu.
func (c *Cache) fresh(key string, now time.Time) (*datosPage, time.Duration, bool) {
	page, age, st := c.lookup(key, now)
	return page, age, st == entryFresh
}

// refresh starts the background query that refreshes key, unless one is
// already running for it (the store query itself is shared with any
// request for key through c.queries), MaxRefreshes are, the cache is
// closed, or admit (the client's rate limit; nil: always) refuses. A
// failed refresh leaves the entry as it was: it is served until the window
// ends, and the next request in it tries again. Its outcome is counted in
// flightevents_datos_cache_refreshes_total.
func (c *Cache) refresh(ctx context.Context, key string, load func(context.Context) (*datosPage, error), admit func() bool) {
	c.mu.Lock()
	switch {
	case c.closed, c.refreshing[key], c.inflight[key]:
		c.mu.Unlock()
		return
	case len(c.refreshing) >= c.cfg.MaxRefreshes:
		c.mu.Unlock()
		c.cfg.Metrics.CacheRefresh(metrics.RefreshBusy)
		return
	}
	c.refreshing[key] = true
	c.refreshes.Add(1)
	c.mu.Unlock()
	done := func() {
		c.mu.Lock()
		delete(c.refreshing, key)
		c.mu.Unlock()
		c.refreshes.Done()
	}
	if admit != nil && !admit() {
		done()
		c.cfg.Metrics.CacheRefresh(metrics.RefreshLimited)
		return
	}
	go func() {
		defer done()
		_, err, _ := c.queries.Do(key, func() (any, error) { return c.query(ctx, key, load) })
		if err != nil {
			c.cfg.Metrics.CacheRefresh(metrics.RefreshError)
			return
		}
		c.cfg.Metrics.CacheRefresh(metrics.RefreshOK)
	}()
}

// Close stops the cache's store queries (their contexts end) and waits
// for its background refreshes to return; none starts after it. Call it
// once the HTTP server has shut down. Entries stay readable.
func (c *Cache) Close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.close()
	c.refreshes.Wait()
}

// query runs load for key in the goroutine singleflight starts (or a
// refresh's), caches its page and turns a panic into a *panicked error.
// Its context keeps the values of the first caller's (its trace, for logs)
// but not its cancellation, so that one client going away does not fail
// the others; it ends after QueryTimeout or when the cache is closed.
func (c *Cache) query(ctx context.Context, key string, load func(context.Context) (*datosPage, error)) (page *datosPage, err error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.QueryTimeout)
	defer cancel()
	defer context.AfterFunc(c.closing, cancel)()
	c.mu.Lock()
	c.inflight[key] = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.inflight, key)
		c.mu.Unlock()
	}()
	defer func() {
		if v := recover(); v != nil {
			page, err = nil, &panicked{value: v, stack: debug.Stack()}
		}
	}()
	page, err = load(ctx)
	if err != nil {
		return nil, err
	}
	// The cache's clock, not the handler's, dates entries.
	page.stored = c.cfg.Now()
	c.put(key, page)
	return page, nil
}

// stale returns the entry for key when it is younger than TTL+MaxStale.
func (c *Cache) stale(key string) (*datosPage, time.Duration, bool) {
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.lru.Peek(key)
	if !ok {
		return nil, 0, false
	}
	age := now.Sub(e.page.stored)
	if age >= c.cfg.TTL+c.cfg.MaxStale {
		c.lru.Remove(key)
		c.cfg.Metrics.CacheEvicted(1)
		c.reportSize()
		return nil, 0, false
	}
	return e.page, age, true
}

// put stores page under key and evicts what no longer fits or has expired
// for good.
func (c *Cache) put(key string, page *datosPage) {
	size := int64(len(key)+len(page.body)+len(page.etag)+len(page.link)+len(page.contentLength)) + entryOverhead
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Remove(key) // a replaced entry is not an eviction
	evicted := 0
	if size <= c.cfg.MaxBytes {
		if c.lru.Add(key, &cacheEntry{page: page, size: size}) {
			evicted++
		}
		c.bytes += size
	}
	// Expired entries collect at the back (they have not been used for at
	// least MaxStale); then the least recently used go until it fits.
	expiry := c.cfg.Now().Add(-c.cfg.TTL - c.cfg.MaxStale)
	for _, e, ok := c.lru.GetOldest(); ok; _, e, ok = c.lru.GetOldest() {
		if c.bytes <= c.cfg.MaxBytes && e.page.stored.After(expiry) {
			break
		}
		c.lru.RemoveOldest()
		evicted++
	}
	c.cfg.Metrics.CacheEvicted(evicted)
	c.reportSize()
}

// bindRaw remembers that the query string raw was validated by the API and
// answered with the entry of key, so that freshRaw can serve it again
// without parsing. Unknown keys and spellings beyond the per-entry bound
// are ignored.
func (c *Cache) bindRaw(raw, key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.lru.Peek(key)
	if !ok {
		return
	}
	if _, bound := c.raw[raw]; bound {
		return
	}
	if len(e.raws) >= maxRawSpellings {
		return
	}
	e.raws = append(e.raws, raw)
	c.raw[raw] = key
	c.bytes += int64(len(raw))
	e.size += int64(len(raw))
}

// freshRaw returns the fresh entry a previously answered query string is
// bound to: the fast path of repeated identical requests (see fastDatos).
func (c *Cache) freshRaw(raw string) (*datosPage, time.Duration, bool) {
	now := c.cfg.Now()
	c.mu.Lock()
	key, ok := c.raw[raw]
	var page *datosPage
	var age time.Duration
	if ok {
		page, age, ok = c.fresh(key, now)
	}
	c.mu.Unlock()
	if ok {
		c.cfg.Metrics.CacheRequest(metrics.CacheHit)
	}
	return page, age, ok
}

// reportSize exports the size. The caller holds c.mu.
func (c *Cache) reportSize() { c.cfg.Metrics.CacheSize(c.lru.Len(), c.bytes) }

// Len returns the number of cached responses and their approximate bytes.
func (c *Cache) Len() (entries int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len(), c.bytes
}

// datosKey is the cache key of a /datos request: its parsed parameters in
// a fixed order, so that spellings of the same query (parameter order, time
// zones of since/until) share an entry. If-None-Match is not part of it:
// conditional requests are answered from the same entry.
func datosKey(in *listInput) string {
	var b strings.Builder
	b.Grow(96)
	b.WriteString(in.FlightID)
	b.WriteByte('|')
	b.WriteString(string(in.Status))
	b.WriteByte('|')
	if !in.Since.IsZero() {
		b.WriteString(in.Since.UTC().Format(time.RFC3339Nano))
	}
	b.WriteByte('|')
	if !in.Until.IsZero() {
		b.WriteString(in.Until.UTC().Format(time.RFC3339Nano))
	}
	b.WriteByte('|')
	b.WriteString(strconv.Itoa(int(in.Limit)))
	b.WriteByte('|')
	if in.after != nil {
		b.WriteString(in.after.String())
	}
	return b.String()
}
