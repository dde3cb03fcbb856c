package httpapi

// Waiting returns how many requests wait for store queries in flight.
func (c *Cache) Waiting() int { return int(c.waiting.Load()) }

// RawBound reports whether the fast path knows the query string raw.
func RawBound(c *Cache, raw string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.raw[raw]
	return ok
}

// WaitRefreshes waits for the background refreshes started so far.
func (c *Cache) WaitRefreshes() { c.refreshes.Wait() }
