package bgp

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

var origins = []netip.Prefix{
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("2001:db8:5100::/48"),
}

// ribHas reports whether the speaker's global RIB holds prefix.
func ribHas(t *testing.T, s *Speaker, prefix netip.Prefix) bool {
	t.Helper()
	fam := bgp.RF_IPv4_UC
	if prefix.Addr().Is6() {
		fam = bgp.RF_IPv6_UC
	}
	found := false
	err := s.srv.ListPath(apiutil.ListPathRequest{TableType: api.TableType_TABLE_TYPE_GLOBAL, Family: fam}, func(nlri bgp.NLRI, _ []*apiutil.Path) {
		if p, ok := prefixOf(nlri); ok && p == prefix {
			found = true
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestLearnOrigins: BIRD exports two static origin prefixes to A (which
// learns origins from it) and B (which does not). A also peers with a
// second router session "edge" in another AS (from its second address .3),
// which must never receive the learned prefixes: the speaker is not a
// transit.
func TestLearnOrigins(t *testing.T) {
	l := newLab(t)
	l.startBird([]birdPeer{
		{name: "spkA", addr: l.addr(1)},
		{name: "spkB", addr: l.addr(2)},
		{name: "edge", addr: l.addr(3), local: l.addr(253), localAS: 65002, noExport: true},
	})
	cfgA := l.speakerConfig(1)
	cfgA.Neighbors[0].LearnOrigins = true
	edge := cfgA.Neighbors[0]
	edge.Address, edge.PeerASN, edge.LearnOrigins, edge.LocalAddress = l.addr(253), 65002, false, l.addr(3)
	cfgA.Neighbors = append(cfgA.Neighbors, edge)
	cfgA.HoldDown = time.Millisecond

	a, regA := l.newSpeaker("A", cfgA)
	calls := make(chan []netip.Prefix, 16)
	a.OnLearned(func(p []netip.Prefix) { calls <- p })
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	b, _ := l.startSpeaker("B", l.speakerConfig(2))
	a.SetHealth(true, "ok")

	waitFor(t, 15*time.Second, "A to learn the origin prefixes", func() bool {
		return slices.Equal(a.LearnedPrefixes(), origins)
	})
	select {
	case got := <-calls:
		if !slices.Equal(got, origins) {
			// The two prefixes may arrive in two steps.
			if got2 := <-calls; !slices.Equal(got2, origins) {
				t.Errorf("OnLearned got %v then %v, want %v", got, got2, origins)
			}
		}
	case <-time.After(2 * time.Second):
		t.Fatal("OnLearned was not called")
	}
	if got := metricValue(t, regA, "argo_bgp_learned_prefixes"); got != 2 {
		t.Errorf("argo_bgp_learned_prefixes = %v, want 2", got)
	}
	if st := a.Status(); !slices.Equal(st.Learned, origins) || !st.Neighbors[0].LearnOrigins {
		t.Errorf("status: learned %v, neighbour %+v", st.Learned, st.Neighbors[0])
	}

	t.Run("not learned from other neighbours", func(t *testing.T) {
		waitFor(t, 10*time.Second, "B's session", func() bool {
			n := b.Status().Neighbors[0]
			return n.State == "established" && n.PrefixesReceived == 2
		})
		if got := b.LearnedPrefixes(); len(got) != 0 {
			t.Errorf("B learned %v without LearnOrigins", got)
		}
		for _, p := range origins {
			if ribHas(t, b, p) {
				t.Errorf("B's RIB holds %s: the import policy let it in", p)
			}
			if !ribHas(t, a, p) {
				t.Errorf("A's RIB lacks %s", p)
			}
		}
	})

	t.Run("never re-advertised", func(t *testing.T) {
		waitFor(t, 10*time.Second, "anycast via the edge session", func() bool { return l.hasAnycast("edge") })
		// The learned prefixes were in A's RIB before the edge session came
		// up, so a leak would arrive in the same initial burst; allow BIRD a
		// moment to process all of it.
		time.Sleep(500 * time.Millisecond)
		for _, r := range l.routes() {
			if r.proto == "edge" && r.prefix != anycast4 && r.prefix != anycast6 {
				t.Errorf("A advertised %s to the edge session: %+v", r.prefix, r)
			}
		}
		for _, n := range a.Status().Neighbors {
			if n.PrefixesSent != 2 {
				t.Errorf("A sent %d prefixes to %s, want the 2 anycast prefixes", n.PrefixesSent, n.Address)
			}
		}
	})

	t.Run("withdrawn origins are forgotten", func(t *testing.T) {
		for len(calls) > 0 {
			<-calls
		}
		for _, p := range []string{"origins", "origins6"} {
			if _, err := l.birdc("disable", p); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, 5*time.Second, "A to forget the origin prefixes", func() bool { return len(a.LearnedPrefixes()) == 0 })
		deadline := time.After(2 * time.Second)
		for {
			select {
			case got := <-calls:
				if len(got) == 0 {
					return
				}
			case <-deadline:
				t.Fatal("OnLearned was not called with the empty set")
			}
		}
	})
}
