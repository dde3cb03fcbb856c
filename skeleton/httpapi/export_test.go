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
