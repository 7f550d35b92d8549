package pathcalc

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Path is a loop-free overlay path. Nodes[0] is the source PoP and the last
// node the destination, so it has len(Nodes)-1 links. Cost is in milliseconds
// (edge costs plus the per-relay cost).
type Path struct {
	Nodes []uint16 `json:"nodes"`
	Cost  float64  `json:"cost_ms"`
}

// Hops returns the number of links.
func (p Path) Hops() int { return max(len(p.Nodes)-1, 0) }

// Equal reports whether two paths visit the same nodes.
func (p Path) Equal(o Path) bool { return slices.Equal(p.Nodes, o.Nodes) }

// String formats the path as "1>5>9 (12.34 ms)".
func (p Path) String() string {
	var b strings.Builder
	for i, n := range p.Nodes {
		if i > 0 {
			b.WriteByte('>')
		}
		fmt.Fprint(&b, n)
	}
	fmt.Fprintf(&b, " (%.2f ms)", p.Cost)
	return b.String()
}

// Route is the routing decision for one destination PoP. Routes belong to a
// published Table and must not be modified.
type Route struct {
	Dst uint16 `json:"dst"`
	// Primary is the path in use.
	Primary Path `json:"primary"`
	// Backups are precomputed failover paths, best first, deduplicated:
	// Backups[0] is backup A (the best path whose first link differs from
	// Primary's); backup B (the best path using none of Primary's relays) is
	// Backups[Disjoint]; a third path whose first link differs from both
	// Primary's and A's follows when it exists and is new.
	Backups []Path `json:"backups"`
	// Disjoint is the index in Backups of backup B, or -1 when no path avoids
	// the primary's relays. It is 0 when B is the same path as A, which is
	// always the case for a direct primary.
	Disjoint int `json:"disjoint"`
	// DirectCost is the cost of the direct link, valid when DirectUp.
	DirectCost float64 `json:"direct_cost_ms"`
	// DirectUp reports whether the direct link is live.
	DirectUp bool `json:"direct_up"`
	// Since is when Primary last changed.
	Since time.Time `json:"since"`
	// Reason says why Primary last changed, e.g. "initial",
	// "better by 12.3 ms (15%) for 2s", "primary down: link 3->7 down",
	// "pinned".
	Reason string `json:"reason"`
	// Pinned reports that Primary is an operator pin.
	Pinned bool `json:"pinned"`
}

// Gain returns how much cheaper the primary is than the direct link, in
// milliseconds, or 0 when the direct link is down.
func (r *Route) Gain() float64 {
	if !r.DirectUp {
		return 0
	}
	return r.DirectCost - r.Primary.Cost
}
