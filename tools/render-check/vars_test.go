package rendercheck

import "sync"

var (
	scaffoldOnce sync.Once
	scaffoldBin  string
	scaffoldErr  error
)
