package pathcalc

import (
	"fmt"
	"maps"
	"slices"
)

// MaxDownPerDst bounds the paths SetPathDown may hold per destination.
const MaxDownPerDst = 16

// Pin makes self->via...->dst the primary to dst for as long as all its links
// are live and it is not reported down, regardless of cost and MaxHops (up to
// the header's four links). It replaces an earlier pin to dst and takes effect
// at the next Update or Recompute.
func (e *Engine) Pin(dst uint16, via []uint16) error {
	p, err := e.fullPath(dst, append(append([]uint16{e.self}, via...), dst))
	if err != nil {
		return fmt.Errorf("via: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pins[dst] = p
	return nil
}

// Unpin removes the pin to dst (if any). The pinned path stays primary until
// hysteresis or a failure replaces it, so unpinning causes no flap.
func (e *Engine) Unpin(dst uint16) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.pins, dst)
}

// Pins returns a copy of the pins: dst -> path self..dst.
func (e *Engine) Pins() map[uint16][]uint16 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return cloneRoutes(e.pins)
}

// SetPathDown records (down) or clears (!down) a report that the whole path
// nodes (self first, dst last) fails, e.g. from in-band path probes. A path
// reported down is never used as primary or backup, even if all its links
// look live; a primary reported down is replaced at once. Takes effect at the
// next Update or Recompute.
func (e *Engine) SetPathDown(dst uint16, nodes []uint16, down bool) error {
	p, err := e.fullPath(dst, nodes)
	if err != nil {
		return fmt.Errorf("nodes: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	cur := e.down[dst]
	i := slices.IndexFunc(cur, func(q []uint16) bool { return slices.Equal(q, p) })
	switch {
	case down && i >= 0:
	case down && len(cur) >= MaxDownPerDst:
		return fmt.Errorf("nodes: dst %d already has %d paths reported down", dst, MaxDownPerDst)
	case down:
		e.down[dst] = append(cur, p)
	case i >= 0:
		e.down[dst] = slices.Delete(slices.Clone(cur), i, i+1)
		if len(e.down[dst]) == 0 {
			delete(e.down, dst)
		}
	}
	return nil
}

// DownPaths returns a copy of the paths reported down, by destination.
func (e *Engine) DownPaths() map[uint16][][]uint16 {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[uint16][][]uint16, len(e.down))
	for d, ps := range e.down {
		for _, p := range ps {
			out[d] = append(out[d], slices.Clone(p))
		}
	}
	return out
}

// fullPath validates a path self..dst of 1..MaxPathHops links.
func (e *Engine) fullPath(dst uint16, p []uint16) ([]uint16, error) {
	switch {
	case dst == e.self:
		return nil, fmt.Errorf("dst %d is self", dst)
	case len(p) < 2 || len(p)-1 > MaxPathHops:
		return nil, fmt.Errorf("path has %d links, want 1..%d", len(p)-1, MaxPathHops)
	case p[0] != e.self:
		return nil, fmt.Errorf("[0]: %d is not self %d", p[0], e.self)
	case p[len(p)-1] != dst:
		return nil, fmt.Errorf("[%d]: %d is not dst %d", len(p)-1, p[len(p)-1], dst)
	}
	for i, v := range p {
		if slices.Contains(p[:i], v) {
			return nil, fmt.Errorf("[%d]: node %d repeated", i, v)
		}
	}
	return slices.Clone(p), nil
}

func cloneRoutes(m map[uint16][]uint16) map[uint16][]uint16 {
	out := maps.Clone(m)
	for k, v := range out {
		out[k] = slices.Clone(v)
	}
	return out
}
