package pubsub

import (
	"testing"
	"time"
)

func TestLogLimiter(t *testing.T) {
	t.Parallel()
	var l logLimiter
	t0 := time.Unix(1_800_000_000, 0)
	for i := range DeadLetterLogBurst {
		if ok, n := l.allow(t0.Add(time.Duration(i) * time.Millisecond)); !ok || n != 0 {
			t.Fatalf("line %d: allow = %v, %d; want true, 0", i, ok, n)
		}
	}
	for i := range 5 {
		if ok, _ := l.allow(t0.Add(500 * time.Millisecond)); ok {
			t.Fatalf("line %d over the burst was allowed", DeadLetterLogBurst+i)
		}
	}
	ok, n := l.allow(t0.Add(time.Second))
	if !ok || n != 5 {
		t.Errorf("next second: allow = %v, %d; want true, 5 (the suppressed count)", ok, n)
	}
}
