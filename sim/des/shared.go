package des

import (
	"github.com/argonet/argo/pathcalc"
)

// sharedView is the view of the network that every PoP holds at a
// periodic recompute instant, up to versions still in flight: for each
// origin, the newest table whose delivery to every PoP is complete. One
// graph of it serves the periodic recompute of every router whose own
// store differs from it only by versions without urgent changes (see
// router.periodic), which saves building a graph per PoP.
type sharedView struct {
	at      int64
	g       *pathcalc.Graph
	version []uint64 // per origin, 0 when absent
	count   int
}

// newSharedView builds the shared view at time at. An origin that crashed
// is absent once membership removed it (DeadAfter), as is a table older
// than the TTL.
func (s *sim) newSharedView(at int64, links []pathcalc.Link) (*sharedView, []pathcalc.Link, error) {
	sv := &sharedView{at: at, version: make([]uint64, s.nw.n)}
	links = links[:0]
	for o, p := range s.pops {
		if alive, _ := s.nw.alive(o, at); !alive {
			if down := s.downSince(o, at); at-down >= s.gossip.deadNs {
				continue
			}
		}
		vs := p.hist.vs
		for k := len(vs) - 1; k >= 0; k-- {
			v := &vs[k]
			if !v.sent || v.maxDel > at {
				continue
			}
			if at-v.maxDel <= int64(s.cfg.TTL) {
				sv.version[o] = v.v
				sv.count++
				links = append(links, v.edges...)
			}
			break
		}
	}
	g, err := pathcalc.NewGraph(s.nodes, links, s.cfg.Path.Weights)
	if err != nil {
		return nil, links, err
	}
	sv.g = g
	return sv, links, nil
}

// downSince returns when PoP o last went down at or before t.
func (s *sim) downSince(o int, t int64) int64 {
	var since int64
	for _, c := range s.nw.nodes[o] {
		if c.at > t {
			break
		}
		if c.down {
			since = c.at
		}
	}
	return since
}
