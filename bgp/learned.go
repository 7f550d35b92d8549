package bgp

import (
	"context"
	"net/netip"
	"slices"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// LearnedPrefixes returns the origin prefixes currently learned from the
// LearnOrigins neighbours, sorted.
func (s *Speaker) LearnedPrefixes() []netip.Prefix {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.learned)
}

// OnLearned registers fn to receive the complete, sorted set of learned
// origin prefixes each time it changes. fn runs on a speaker goroutine, one
// call at a time; it must not block for long. Register it before Start to
// see every change.
func (s *Speaker) OnLearned(fn func(prefixes []netip.Prefix)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onLearned = fn
}

// learnLoop recomputes the learned set whenever the RIB changes.
func (s *Speaker) learnLoop(ctx context.Context) {
	defer s.bg.Done()
	for {
		select {
		case <-s.learnKick:
		case <-ctx.Done():
			return
		}
		s.mu.Lock()
		stopped := s.stopped
		s.mu.Unlock()
		if stopped {
			continue // the server is going away; its RIB with it
		}
		set, err := s.listLearned(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("bgp: listing learned prefixes", "err", err)
			}
			continue
		}
		s.mu.Lock()
		changed := !slices.Equal(set, s.learned)
		if changed {
			s.learned = set
		}
		fn := s.onLearned
		s.mu.Unlock()
		if !changed {
			continue
		}
		s.m.learned.Set(float64(len(set)))
		s.log.Info("bgp learned origin prefixes changed", "count", len(set), "prefixes", set)
		if fn != nil {
			fn(slices.Clone(set))
		}
	}
}

// listLearned returns the best paths in the global RIB that came from a
// LearnOrigins neighbour, minus anything overlapping an anycast prefix.
func (s *Speaker) listLearned(ctx context.Context) ([]netip.Prefix, error) {
	var set []netip.Prefix
	for _, fam := range []bgp.Family{bgp.RF_IPv4_UC, bgp.RF_IPv6_UC} {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		err := s.srv.ListPath(apiutil.ListPathRequest{TableType: api.TableType_TABLE_TYPE_GLOBAL, Family: fam}, func(nlri bgp.NLRI, paths []*apiutil.Path) {
			for _, p := range paths {
				if !p.Best || p.Withdrawal {
					continue
				}
				if !p.PeerAddress.IsValid() || !s.learn[p.PeerAddress.Unmap()] {
					continue // local path, or not from a LearnOrigins neighbour
				}
				pfx, ok := prefixOf(nlri)
				if ok && !s.overlapsAnycast(pfx) {
					set = append(set, pfx)
				}
			}
		})
		if err != nil {
			return nil, err
		}
	}
	slices.SortFunc(set, comparePrefix)
	return slices.Compact(set), nil
}

// overlapsAnycast reports whether p overlaps one of the anycast prefixes.
func (s *Speaker) overlapsAnycast(p netip.Prefix) bool {
	for _, r := range s.routes {
		if r.prefix.Overlaps(p) {
			return true
		}
	}
	return false
}

// comparePrefix orders prefixes by address, then length.
func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}
