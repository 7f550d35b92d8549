package des

import (
	"math"

	"github.com/argonet/argo/pathcalc"
	"github.com/argonet/argo/sim/solve"
)

// truth is the optimum from every PoP to every other while the ground
// truth does not change: pathcalc run on perfectly measured links (see
// network.truthLink) with argod's settings, no hysteresis.
type truth struct {
	id     int   // index in the list of truth versions
	from   int64 // virtual ns at which it starts to hold
	g      *pathcalc.Graph
	n      int
	alive  []bool
	opt    []float64 // opt[s*n+d]: optimal cost, +Inf when unreachable
	optKey []uint64  // its path key
	direct []float64 // cost of the live direct link, NaN when none
}

// buildTruth computes the truth holding from t on, for every source on
// all workers.
func buildTruth(nw *network, id int, t int64, s pathcalc.Settings, workers int) (*truth, error) {
	n := nw.n
	nodes := make([]uint16, n)
	links := make([]pathcalc.Link, 0, n*(n-1))
	tr := &truth{id: id, from: t, n: n, alive: make([]bool, n),
		opt: make([]float64, n*n), optKey: make([]uint64, n*n), direct: make([]float64, n*n)}
	for i := range n {
		nodes[i] = uint16(i)
		tr.alive[i], _ = nw.alive(i, t)
		for j := range n {
			if i != j {
				links = append(links, nw.truthLink(i, j, t))
			}
		}
	}
	g, err := pathcalc.NewGraph(nodes, links, s.Weights)
	if err != nil {
		return nil, err
	}
	tr.g = g
	for i := range tr.opt {
		tr.opt[i], tr.direct[i] = math.Inf(1), math.NaN()
	}
	err = solve.ComputeEach(g, n, s.MaxHops, workers, func(src int) bool { return !tr.alive[src] },
		func(src int, tab *pathcalc.Table) {
			for _, r := range tab.Routes() {
				k := src*n + int(r.Dst)
				tr.opt[k], tr.optKey[k] = r.Primary.Cost, pathKey(r.Primary.Nodes)
				if r.DirectUp {
					tr.direct[k] = r.DirectCost
				}
			}
		})
	if err != nil {
		return nil, err
	}
	return tr, nil
}

// pathKey packs the nodes after the source of a path of at most four links
// (16 bits each, id+1); 0 is "no path".
func pathKey(nodes []uint16) uint64 {
	var k uint64
	for i := 1; i < len(nodes); i++ {
		k |= uint64(nodes[i]+1) << (16 * uint(i-1))
	}
	return k
}

// keyUses reports whether the path src+key uses the directed link a->b.
func keyUses(src int, key uint64, a, b int) bool {
	prev := src
	for ; key != 0; key >>= 16 {
		v := int(key&0xffff) - 1
		if prev == a && v == b {
			return true
		}
		prev = v
	}
	return false
}

// keyRelays reports whether node x is a relay (neither end) of src+key.
func keyRelays(key uint64, x int) bool {
	for ; key>>16 != 0; key >>= 16 {
		if int(key&0xffff)-1 == x {
			return true
		}
	}
	return false
}
