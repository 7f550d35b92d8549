package pathcalc

import "slices"

// alts are the backups of one destination, relative to its primary:
//
//	a: the best path whose first hop differs from the primary's;
//	b: the best path using none of the primary's relays (for a direct
//	   primary: the best path other than the direct link, which is a);
//	c: the best path whose first hop differs from the primary's and a's.
//
// Any of them may be noLabel.
type alts struct{ a, b, c label }

// primary returns the best path to dst that is not forbidden.
func (s *solver) primary(dst int, forb []label) label {
	if dst == s.src {
		return noLabel
	}
	if p := s.best(dst); !isForbidden(p, forb) {
		return p
	}
	return s.search(dst, constraint{forbidden: forb})
}

// relays appends the relay nodes of a path (all nodes after the source but
// the destination) to r.
func relays(p label, r []int) []int {
	for i := 0; i+1 < int(p.hops); i++ {
		r = append(r, p.node(i))
	}
	return r
}

// backups computes the alternatives of every destination whose primary is
// given (noLabel entries are skipped). forb[dst] lists paths that must not be
// used (may be nil).
func (s *solver) backups(prim []label, forb [][]label) []alts {
	out := make([]alts, len(prim))
	for i := range out {
		out[i] = alts{noLabel, noLabel, noLabel}
	}
	groups := map[uint64][]int{} // relay set -> destinations needing a general search for b
	var rbuf [MaxPathHops - 1]int
	for dst, p := range prim {
		if !p.ok() {
			continue
		}
		var f []label
		if forb != nil {
			f = forb[dst]
		}
		if len(f) > 0 {
			out[dst] = s.backupsForbidden(dst, p, f)
			continue
		}
		o := &out[dst]
		o.a = s.best(dst, p.first())
		if o.a.ok() {
			o.c = s.best(dst, p.first(), o.a.first())
		}
		r := relays(p, rbuf[:0])
		switch {
		case len(r) == 0:
			o.b = o.a
		case len(r) < topL && s.hops <= 2:
			o.b = s.best(dst, r...)
		case len(r) < topL && s.hops == 3:
			o.b = s.avoid3(dst, r)
		default:
			k := relayKey(r)
			groups[k] = append(groups[k], dst)
		}
	}
	s.avoidGroups(groups, out)
	return out
}

// backupsForbidden is backups for one destination with forbidden paths.
func (s *solver) backupsForbidden(dst int, p label, f []label) alts {
	o := alts{noLabel, noLabel, noLabel}
	o.a = s.search(dst, constraint{firstBan: []int{p.first()}, forbidden: f})
	if o.a.ok() {
		o.c = s.search(dst, constraint{firstBan: []int{p.first(), o.a.first()}, forbidden: f})
	}
	if r := relays(p, nil); len(r) == 0 {
		o.b = o.a
	} else {
		o.b = s.search(dst, constraint{banned: r, forbidden: f})
	}
	return o
}

// avoid3 returns, for at most three hops, the best path to dst avoiding the
// relays r (len(r) <= topL-1). A path of <= 3 links enters dst from its last
// relay u (or directly); its prefix to u has <= 2 links, whose only other relay
// is the first hop. So it is the best of: the direct link, and for every
// allowed u, the best level-2 label at u whose first hop is not in r and not
// dst, extended to dst. Level 2 keeps topL first hops, at most topL-1 of which
// are in r; if the kept one left is dst, the path via u is beaten by the
// direct link anyway.
func (s *solver) avoid3(dst int, r []int) label {
	n := s.n
	best := noLabel
	if d := s.levels[1][dst]; d.n > 0 {
		best = d.l[0]
	}
	for _, v := range r {
		s.mark(v, true)
	}
	in := s.g.in[dst*n : dst*n+n]
	lv := s.levels[2]
	for u, w := range in {
		if w == inf || u == s.src || s.banned[u] {
			continue
		}
		wr := w + s.relay
		t := &lv[u]
		for i := 0; i < int(t.n); i++ {
			l := &t.l[i]
			c := l.cost + wr
			if c > best.cost {
				break // sorted: the rest via u cost more
			}
			if f := l.first(); s.banned[f] || f == dst {
				continue
			}
			if cand := l.with(dst, c); less(cand, best) {
				best = cand
			}
			break // the first allowed label is the best via u
		}
	}
	for _, v := range r {
		s.mark(v, false)
	}
	return best
}

// avoidGroups fills b for destinations whose relay sets need a general
// search (four hops, or more relays than topL-1): one hop-limited search per
// distinct relay set with those relays removed.
func (s *solver) avoidGroups(groups map[uint64][]int, out []alts) {
	keys := make([]uint64, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		dsts := groups[k]
		r := keyRelays(k)
		for _, v := range r {
			s.mark(v, true)
		}
		s.multiSpur(label{}, s.src, s.hops, nil, dsts)
		for _, d := range dsts {
			out[d].b = s.cur[d]
		}
		for _, v := range r {
			s.mark(v, false)
		}
	}
}

// relayKey packs a relay set (<= 3 nodes) into a sorted key.
func relayKey(r []int) uint64 {
	s := slices.Clone(r)
	slices.Sort(s)
	var k uint64
	for i, v := range s {
		k |= uint64(v+1) << (16 * uint(i)) // +1: 0 means "no node"
	}
	return k
}

// keyRelays unpacks relayKey.
func keyRelays(k uint64) []int {
	var r []int
	for ; k != 0; k >>= 16 {
		r = append(r, int(k&0xffff)-1)
	}
	return r
}
