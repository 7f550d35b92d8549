package pathcalc

// MaxPathHops is the most links a path can have: the overlay header carries
// at most four hops.
const MaxPathHops = 4

// label is a path from the solver's source in dense indices, stored inline so
// that labels are compared and copied without allocation. key holds the nodes
// after the source, position i in bits 48-16i, so for equal hop counts
// comparing keys compares the node sequences lexicographically (dense indices
// are ordered like PoP ids).
type label struct {
	cost float64
	key  uint64
	hops uint8
}

// noLabel marks "no path"; its cost compares greater than every real path.
var noLabel = label{cost: inf}

func (l label) ok() bool { return l.cost != inf }

// node returns the i-th node after the source (0 = first hop).
func (l label) node(i int) int { return int(uint16(l.key >> (48 - 16*uint(i)))) }

func (l label) first() int { return l.node(0) }

func (l label) last() int { return l.node(int(l.hops) - 1) }

// contains reports whether v is on the path after the source.
func (l label) contains(v int) bool {
	for i := 0; i < int(l.hops); i++ {
		if l.node(i) == v {
			return true
		}
	}
	return false
}

// with returns the path extended by v at the given cost.
func (l label) with(v int, cost float64) label {
	return label{cost: cost, key: l.key | uint64(v)<<(48-16*uint(l.hops)), hops: l.hops + 1}
}

// prefix returns the first i links of the path (cost left for the caller).
func (l label) prefix(i int) label {
	if i == 0 {
		return label{}
	}
	return label{key: l.key &^ (1<<(64-16*uint(i)) - 1), hops: uint8(i)}
}

// same reports whether two labels are the same path.
func (l label) same(o label) bool { return l.hops == o.hops && l.key == o.key }

// less is the total order on paths to one destination: cost, then hops, then
// the node sequence.
func less(a, b label) bool {
	if a.cost != b.cost {
		return a.cost < b.cost
	}
	if a.hops != b.hops {
		return a.hops < b.hops
	}
	return a.key < b.key
}
