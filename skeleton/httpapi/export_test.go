package httpapi

// Waiting returns how many requests wait for store queries in flight.
func (c *Cache) Waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, call := range c.calls {
		n += call.waiters
	}
	return n
}

// RawBound reports whether the fast path knows the query string raw.
func RawBound(c *Cache, raw string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.raw[raw]
	return ok
}
