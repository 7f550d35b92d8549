package linkstate

import (
	"sync"
	"time"
)

// rateLimit lets one log line per key through per interval and counts the
// lines it suppressed in between, so that a flood of bad gossip cannot flood
// the log.
type rateLimit struct {
	every time.Duration

	mu         sync.Mutex
	last       map[string]time.Time
	suppressed map[string]int
}

func newRateLimit(every time.Duration) *rateLimit {
	return &rateLimit{every: every, last: make(map[string]time.Time), suppressed: make(map[string]int)}
}

// allow reports whether a line for key may be logged at now, and how many
// lines for key were suppressed since the last one allowed.
func (r *rateLimit) allow(key string, now time.Time) (ok bool, suppressed int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if last, seen := r.last[key]; seen && now.Sub(last) < r.every {
		r.suppressed[key]++
		return false, 0
	}
	r.last[key] = now
	suppressed = r.suppressed[key]
	r.suppressed[key] = 0
	return true, suppressed
}
