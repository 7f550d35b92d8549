package xdp

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/cilium/ebpf"
)

// Rate-limit bounds. A rule must let at least one packet through.
const (
	MaxRatePPS   = 100_000_000
	MaxRateBurst = 10_000_000
)

// RateLimit is a per-source token bucket on one UDP destination port:
// every source address may send PPS packets per second to the port, with
// bursts of up to Burst packets. Drops counts the packets the rule dropped.
type RateLimit struct {
	Port  uint16 `json:"port"`
	PPS   uint32 `json:"pps"`
	Burst uint32 `json:"burst"`
	Drops uint64 `json:"drops"`
}

// SetRateLimit adds or changes the rate limit for UDP destination port
// port. Changing a rule keeps its drop count and the sources' bucket state.
func (t *tables) SetRateLimit(port uint16, pps, burst uint32) error {
	switch {
	case port == 0:
		return &FieldError{"port", port, "must be 1..65535"}
	case pps < 1 || pps > MaxRatePPS:
		return &FieldError{"pps", pps, fmt.Sprintf("must be 1..%d", MaxRatePPS)}
	case burst < 1 || burst > MaxRateBurst:
		return &FieldError{"burst", burst, fmt.Sprintf("must be 1..%d", MaxRateBurst)}
	}
	interval := uint64(1_000_000_000) / uint64(pps)
	rule := argoRlRule{IntervalNs: interval, BurstNs: interval * uint64(burst), Pps: pps, Burst: burst}

	t.mu.Lock()
	defer t.mu.Unlock()
	var old argoRlRule
	if err := t.m.ArgoRlRules.Lookup(be16(port), &old); err == nil {
		rule.Drops = old.Drops // racing drops of this instant may be lost
	} else if !isNotExist(err) {
		return fmt.Errorf("xdp: read rate limit for port %d: %w", port, err)
	}
	if err := t.m.ArgoRlRules.Put(be16(port), &rule); err != nil {
		if isFull(err) {
			return fmt.Errorf("xdp: rate-limit table full (%d ports): port %d not added", t.m.ArgoRlRules.MaxEntries(), port)
		}
		return fmt.Errorf("xdp: set rate limit for port %d: %w", port, err)
	}
	return nil
}

// DelRateLimit removes the rate limit on port; ErrNotFound if there is none.
func (t *tables) DelRateLimit(port uint16) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.m.ArgoRlRules.Delete(be16(port)); err != nil {
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			return fmt.Errorf("xdp: rate limit for port %d: %w", port, ErrNotFound)
		}
		return fmt.Errorf("xdp: delete rate limit for port %d: %w", port, err)
	}
	return nil
}

// RateLimits returns all rules sorted by port.
func (t *tables) RateLimits() ([]RateLimit, error) {
	var out []RateLimit
	var port uint16
	var r argoRlRule
	it := t.m.ArgoRlRules.Iterate()
	for it.Next(&port, &r) {
		out = append(out, RateLimit{Port: be16(port), PPS: r.Pps, Burst: r.Burst, Drops: r.Drops})
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("xdp: read rate limits: %w", err)
	}
	slices.SortFunc(out, func(a, b RateLimit) int { return cmp.Compare(a.Port, b.Port) })
	return out, nil
}
