package httpapi

import (
	"container/list"
	"context"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/metrics"
)

// Defaults for the zero values of CacheConfig.
const (
	DefaultCacheTTL          = 2 * time.Second
	DefaultCacheMaxStale     = 5 * time.Minute
	DefaultCacheMaxBytes     = 64 << 20
	DefaultCacheQueryTimeout = 30 * time.Second
)

// staleWarning is the Warning header of a response served stale
// (RFC 7234 §5.5.1, warn-code 110).
const staleWarning = `110 - "Response is Stale"`

// entryOverhead approximates the memory of an entry besides its strings
// and body: the list element, map slot and page struct.
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
// (LRU), with request coalescing (N concurrent identical requests make one
// store query) and stale entries served while the store is unavailable.
// It is safe for concurrent use. Pass it in Deps.Cache.
type Cache struct {
	cfg CacheConfig

	mu      sync.Mutex
	lru     *list.List // of *cacheEntry, most recently used first
	entries map[string]*list.Element
	// raw maps query strings, exactly as requests spelled them, to the
	// entries they were validated and answered with (see freshRaw).
	raw   map[string]*list.Element
	bytes int64
	calls map[string]*cacheCall // store queries in flight
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
	key  string
	page *datosPage
	size int64
	raws []string // query strings bound to this entry, at most maxRawSpellings
}

// maxRawSpellings bounds the query strings remembered per entry: a client
// varying parameter order or time zones cannot grow the memory.
const maxRawSpellings = 4

type cacheCall struct {
	done    chan struct{} // closed when page or err is set
	page    *datosPage
	err     error
	waiters int // requests waiting for it, under Cache.mu (for tests)
}

// panicked carries a panic of a shared store query to the requests that
// waited for it, which re-panic so that the handler's recovery logs it.
type panicked struct {
	value any
	stack []byte
}

func (p *panicked) Error() string { return fmt.Sprintf("panic in store query: %v", p.value) }

// lookup describes how a page was obtained.
type lookup struct {
	result string        // metrics.CacheHit, CacheCoalesced, CacheMiss or CacheStale
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
	return &Cache{
		cfg:     cfg,
		lru:     list.New(),
		entries: make(map[string]*list.Element),
		raw:     make(map[string]*list.Element),
		calls:   make(map[string]*cacheCall),
	}
}

// get returns the page for key: from memory while fresh, else from load,
// called once for all concurrent callers of the same key. When load fails
// with EUNAVAILABLE and an entry younger than TTL+MaxStale exists, that
// entry is returned as CacheStale. The error is load's, or ctx's when the
// caller's context ends first.
func (c *Cache) get(ctx context.Context, key string, load func(context.Context) (*datosPage, error)) (*datosPage, lookup, error) {
	now := c.cfg.Now()
	c.mu.Lock()
	if el, ok := c.entries[key]; ok {
		e := el.Value.(*cacheEntry)
		if age := now.Sub(e.page.stored); age < c.cfg.TTL {
			c.lru.MoveToFront(el)
			c.mu.Unlock()
			c.cfg.Metrics.CacheRequest(metrics.CacheHit)
			return e.page, lookup{result: metrics.CacheHit, age: age}, nil
		}
	}
	call, shared := c.calls[key]
	if !shared {
		call = &cacheCall{done: make(chan struct{})}
		c.calls[key] = call
		go c.run(ctx, key, call, load)
	}
	call.waiters++
	c.mu.Unlock()

	select {
	case <-call.done:
	case <-ctx.Done():
		return nil, lookup{}, ctx.Err()
	}
	if p, ok := call.err.(*panicked); ok {
		panic(fmt.Sprintf("%v\n\nstore query goroutine:\n%s", p.value, p.stack))
	}
	res := lookup{result: metrics.CacheMiss}
	if shared {
		res.result = metrics.CacheCoalesced
	}
	if call.err == nil {
		c.cfg.Metrics.CacheRequest(res.result)
		return call.page, res, nil
	}
	if flightevents.ErrorCode(call.err) == flightevents.EUNAVAILABLE {
		if page, age, ok := c.stale(key); ok {
			c.cfg.Metrics.CacheRequest(metrics.CacheStale)
			return page, lookup{result: metrics.CacheStale, age: age, cause: call.err}, nil
		}
	}
	c.cfg.Metrics.CacheRequest(res.result)
	return nil, res, call.err
}

// run queries the store for key and publishes the result to call's
// waiters. Its context keeps the values of the first caller's (its trace,
// for logs) but not its cancellation.
func (c *Cache) run(ctx context.Context, key string, call *cacheCall, load func(context.Context) (*datosPage, error)) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.QueryTimeout)
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			call.err = &panicked{value: v, stack: debug.Stack()}
		}
		c.mu.Lock()
		delete(c.calls, key)
		if call.err == nil {
			c.put(key, call.page)
		}
		c.mu.Unlock()
		close(call.done)
	}()
	call.page, call.err = load(ctx)
	if call.err == nil {
		// The cache's clock, not the handler's, dates entries.
		call.page.stored = c.cfg.Now()
	}
}

// stale returns the entry for key when it is younger than TTL+MaxStale.
func (c *Cache) stale(key string) (*datosPage, time.Duration, bool) {
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return nil, 0, false
	}
	e := el.Value.(*cacheEntry)
	age := now.Sub(e.page.stored)
	if age >= c.cfg.TTL+c.cfg.MaxStale {
		c.remove(el)
		c.cfg.Metrics.CacheEvicted(1)
		c.reportSize()
		return nil, 0, false
	}
	return e.page, age, true
}

// put stores page under key and evicts what no longer fits or has expired
// for good. The caller holds c.mu.
func (c *Cache) put(key string, page *datosPage) {
	size := int64(len(key)+len(page.body)+len(page.etag)+len(page.link)+len(page.contentLength)) + entryOverhead
	if el, ok := c.entries[key]; ok {
		c.remove(el)
	}
	evicted := 0
	if size <= c.cfg.MaxBytes {
		c.entries[key] = c.lru.PushFront(&cacheEntry{key: key, page: page, size: size})
		c.bytes += size
	}
	// Expired entries collect at the back (they have not been used for at
	// least MaxStale); then the least recently used go until it fits.
	expiry := c.cfg.Now().Add(-c.cfg.TTL - c.cfg.MaxStale)
	for el := c.lru.Back(); el != nil; el = c.lru.Back() {
		e := el.Value.(*cacheEntry)
		if c.bytes <= c.cfg.MaxBytes && e.page.stored.After(expiry) {
			break
		}
		c.remove(el)
		evicted++
	}
	c.cfg.Metrics.CacheEvicted(evicted)
	c.reportSize()
}

// remove drops el. The caller holds c.mu.
func (c *Cache) remove(el *list.Element) {
	e := c.lru.Remove(el).(*cacheEntry)
	delete(c.entries, e.key)
	for _, r := range e.raws {
		delete(c.raw, r)
	}
	c.bytes -= e.size
}

// bindRaw remembers that the query string raw was validated by the API and
// answered with the entry of key, so that freshRaw can serve it again
// without parsing. Unknown keys and spellings beyond the per-entry bound
// are ignored.
func (c *Cache) bindRaw(raw, key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return
	}
	if _, bound := c.raw[raw]; bound {
		return
	}
	e := el.Value.(*cacheEntry)
	if len(e.raws) >= maxRawSpellings {
		return
	}
	e.raws = append(e.raws, raw)
	c.raw[raw] = el
	c.bytes += int64(len(raw))
	e.size += int64(len(raw))
}

// freshRaw returns the fresh entry a previously answered query string is
// bound to: the fast path of repeated identical requests (see fastDatos).
func (c *Cache) freshRaw(raw string) (*datosPage, time.Duration, bool) {
	now := c.cfg.Now()
	c.mu.Lock()
	el, ok := c.raw[raw]
	if !ok {
		c.mu.Unlock()
		return nil, 0, false
	}
	e := el.Value.(*cacheEntry)
	age := now.Sub(e.page.stored)
	if age >= c.cfg.TTL {
		c.mu.Unlock()
		return nil, 0, false
	}
	c.lru.MoveToFront(el)
	c.mu.Unlock()
	c.cfg.Metrics.CacheRequest(metrics.CacheHit)
	return e.page, age, true
}

// reportSize exports the size. The caller holds c.mu.
func (c *Cache) reportSize() { c.cfg.Metrics.CacheSize(len(c.entries), c.bytes) }

// Len returns the number of cached responses and their approximate bytes.
func (c *Cache) Len() (entries int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.bytes
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
