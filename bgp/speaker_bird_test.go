package bgp

import (
	"context"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

const (
	anycast4 = "192.0.2.0/24"
	anycast6 = "2001:db8:a0::/48"
)

// hasAnycast reports whether BIRD has both anycast prefixes from proto.
func (l *lab) hasAnycast(proto string) bool {
	_, ok4 := l.routeVia(anycast4, proto)
	_, ok6 := l.routeVia(anycast6, proto)
	return ok4 && ok6
}

// hasNoAnycast reports whether BIRD has neither anycast prefix from proto.
func (l *lab) hasNoAnycast(proto string) bool {
	_, ok4 := l.routeVia(anycast4, proto)
	_, ok6 := l.routeVia(anycast6, proto)
	return !ok4 && !ok6
}

// metricValue returns the value of a gauge or counter in reg whose labels
// include the given name/value pairs (-1 when absent).
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels ...string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metric:
		for _, m := range f.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
						found = true
					}
				}
				if !found {
					continue metric
				}
			}
			if m.GetGauge() != nil {
				return m.GetGauge().GetValue()
			}
			return m.GetCounter().GetValue()
		}
	}
	return -1
}

// prefixReasons returns the reasons Status gives for the anycast prefixes.
func prefixReasons(s *Speaker) []string {
	var out []string
	for _, p := range s.Status().Prefixes {
		out = append(out, string(p.State)+": "+p.Reason)
	}
	return out
}

// TestSpeakerWithBIRD runs speakers A and B against BIRD 2 and checks the
// health rule, the hold-down, drain, restart while drained, undrain and
// graceful shutdown as BIRD sees them. A's session is IPv4 with TCP MD5 and
// GTSM; B's session runs over IPv6 and announces its IPv6 prefix with the
// session's own address as next hop (NextHop6 unset).
func TestSpeakerWithBIRD(t *testing.T) {
	l := newLab(t)
	l.startBird([]birdPeer{
		{name: "spkA", addr: l.addr(1), password: "s3cret", ttlSec: true},
		{name: "spkB", addr: l.addr6(2)},
	})
	cfgA := l.speakerConfig(1)
	cfgA.Neighbors[0].Password = "s3cret"
	cfgA.Neighbors[0].TTLSecurity = true
	cfgB := l.speakerConfig(2)
	cfgB.Neighbors[0].Address, cfgB.Neighbors[0].LocalAddress = l.addr6(254), l.addr6(2)
	cfgB.ListenAddr, cfgB.NextHop4, cfgB.NextHop6 = l.addr6(2), l.addr(2), netip.Addr{}
	a, regA := l.startSpeaker("A", cfgA)
	b, _ := l.startSpeaker("B", cfgB)
	a.SetHealth(true, "all links up")
	b.SetHealth(true, "all links up")

	waitFor(t, 15*time.Second, "anycast routes via A and B in BIRD", func() bool {
		return l.hasAnycast("spkA") && l.hasAnycast("spkB")
	})
	r, _ := l.routeVia(anycast4, "spkA")
	if r.via != l.addr(1).String() || !slices.Equal(r.asPath, []uint32{labASNSpeaker}) ||
		!slices.Contains(r.communities, "(65001,100)") || !slices.Contains(r.large, "(65001, 7, 8)") {
		t.Errorf("route via A = %+v, want via %s, AS path [65001], communities 65001:100 and 65001:7:8", r, l.addr(1))
	}
	if r6, _ := l.routeVia(anycast6, "spkA"); r6.via != l.addr6(1).String() {
		t.Errorf("IPv6 route via A = %+v, want next hop %s", r6, l.addr6(1))
	}
	if rb, _ := l.routeVia(anycast4, "spkB"); rb.via != l.addr(2).String() {
		t.Errorf("IPv4 route via B (IPv6 session) = %+v, want next hop %s", rb, l.addr(2))
	}
	if rb6, _ := l.routeVia(anycast6, "spkB"); rb6.via != l.addr6(2).String() {
		t.Errorf("IPv6 route via B = %+v, want the session address %s as next hop", rb6, l.addr6(2))
	}
	if got := metricValue(t, regA, "argo_bgp_session_up", "neighbor", l.addr(254).String()); got != 1 {
		t.Errorf("argo_bgp_session_up = %v, want 1", got)
	}
	if got := metricValue(t, regA, "argo_bgp_prefixes_announced"); got != 2 {
		t.Errorf("argo_bgp_prefixes_announced = %v, want 2", got)
	}
	st := a.Status()
	if n := st.Neighbors[0]; n.State != "established" || n.PrefixesSent != 2 || n.ASN != labASNRouter {
		t.Errorf("A's neighbour status = %+v, want established with 2 prefixes sent", n)
	}

	t.Run("unhealthy withdraws within 1s", func(t *testing.T) {
		a.SetHealth(false, "no live path to fra")
		took := waitFor(t, 5*time.Second, "withdrawal via A", func() bool { return l.hasNoAnycast("spkA") })
		t.Logf("withdrawn %v after SetHealth(false)", took)
		if took > time.Second {
			t.Errorf("withdrawal took %v, want at most 1s", took)
		}
		if !l.hasAnycast("spkB") {
			t.Error("B's routes disappeared too")
		}
		if got := prefixReasons(a); got[0] != "withdrawn: unhealthy: no live path to fra" {
			t.Errorf("status reasons = %q", got)
		}
	})

	t.Run("healthy announces after the hold-down", func(t *testing.T) {
		start := time.Now()
		a.SetHealth(true, "all links up")
		time.Sleep(500 * time.Millisecond)
		if got := prefixReasons(a); !strings.HasPrefix(got[0], "withdrawn: holding down: healthy for ") {
			t.Errorf("status during hold-down = %q", got)
		}
		waitFor(t, 10*time.Second, "announcement via A", func() bool { return l.hasAnycast("spkA") })
		took := time.Since(start)
		t.Logf("announced %v after SetHealth(true) (hold-down %v)", took, cfgA.HoldDown)
		// The upper bound leaves room for a loaded machine (2 shared cores).
		if took < cfgA.HoldDown || took > cfgA.HoldDown+2*time.Second {
			t.Errorf("announcement after %v, want within [%v, %v]", took, cfgA.HoldDown, cfgA.HoldDown+2*time.Second)
		}
	})

	t.Run("a flap restarts the hold-down", func(t *testing.T) {
		a.SetHealth(false, "flap")
		waitFor(t, 5*time.Second, "withdrawal via A", func() bool { return l.hasNoAnycast("spkA") })
		a.SetHealth(true, "up")
		time.Sleep(cfgA.HoldDown / 2)
		a.SetHealth(false, "flap")
		a.SetHealth(true, "up again")
		start := time.Now()
		waitFor(t, 10*time.Second, "announcement via A", func() bool { return l.hasAnycast("spkA") })
		if took := time.Since(start); took < cfgA.HoldDown {
			t.Errorf("announced %v after the last flap, want at least the hold-down %v", took, cfgA.HoldDown)
		}
	})

	t.Run("drain prepends then withdraws", func(t *testing.T) {
		start := time.Now()
		if err := a.Drain(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 2*time.Second, "prepended route via A", func() bool {
			r, ok := l.routeVia(anycast4, "spkA")
			r6, ok6 := l.routeVia(anycast6, "spkA")
			return ok && ok6 && len(r.asPath) == 4 && len(r6.asPath) == 4
		})
		r, _ := l.routeVia(anycast4, "spkA")
		if !slices.Equal(r.asPath, []uint32{65001, 65001, 65001, 65001}) || !slices.Contains(r.communities, "(65535,0)") {
			t.Errorf("draining route = %+v, want AS path 65001 x4 and GRACEFUL_SHUTDOWN", r)
		}
		if rb, _ := l.routeVia(anycast4, "spkB"); len(rb.asPath) != 1 {
			t.Errorf("B's route changed: %+v", rb)
		}
		st := a.Status()
		if st.Drain != DrainDraining || st.Prefixes[0].State != StatePrepended ||
			!strings.HasPrefix(st.Prefixes[0].Reason, "draining: prepended x3, withdraw in ") {
			t.Errorf("status while draining: drain %s, prefix %+v", st.Drain, st.Prefixes[0])
		}
		if data, err := os.ReadFile(cfgA.StateFile); err != nil || !strings.Contains(string(data), `"drained": true`) {
			t.Errorf("state file: %s, %v", data, err)
		}
		waitFor(t, 10*time.Second, "withdrawal after the grace period", func() bool { return l.hasNoAnycast("spkA") })
		took := time.Since(start)
		t.Logf("withdrawn %v after Drain (grace %v)", took, cfgA.DrainGrace)
		if took < cfgA.DrainGrace || took > cfgA.DrainGrace+2*time.Second {
			t.Errorf("drain withdrawal after %v, want within [%v, %v]", took, cfgA.DrainGrace, cfgA.DrainGrace+2*time.Second)
		}
		if st := a.Status(); st.Drain != DrainDrained || st.Prefixes[0].Reason != "drained" {
			t.Errorf("status after the grace: drain %s, prefix %+v", st.Drain, st.Prefixes[0])
		}
		if got := metricValue(t, regA, "argo_bgp_drain_state"); got != 2 {
			t.Errorf("argo_bgp_drain_state = %v, want 2", got)
		}
	})

	// A restarts while drained: the new speaker must stay drained.
	if err := a.Shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown of A: %v", err)
	}
	a2, _ := l.startSpeaker("A2", cfgA)
	a2.SetHealth(true, "all links up")

	t.Run("restart while drained stays drained", func(t *testing.T) {
		waitFor(t, 15*time.Second, "A2's session", func() bool {
			return a2.Status().Neighbors[0].State == "established"
		})
		time.Sleep(cfgA.HoldDown + time.Second)
		if !l.hasNoAnycast("spkA") {
			t.Fatal("a restarted drained speaker announced its prefixes")
		}
		st := a2.Status()
		if st.Drain != DrainDrained || st.Prefixes[0].State != StateWithdrawn || st.Prefixes[0].Reason != "drained" {
			t.Errorf("status after restart: drain %s, prefix %+v", st.Drain, st.Prefixes[0])
		}
	})

	t.Run("undrain restores the route", func(t *testing.T) {
		if err := a2.Undrain(); err != nil {
			t.Fatal(err)
		}
		took := waitFor(t, 5*time.Second, "route via A after undrain", func() bool { return l.hasAnycast("spkA") })
		if took > time.Second {
			t.Errorf("undrain took %v to reach BIRD", took)
		}
		if r, _ := l.routeVia(anycast4, "spkA"); !slices.Equal(r.asPath, []uint32{65001}) || slices.Contains(r.communities, "(65535,0)") {
			t.Errorf("route after undrain = %+v, want the plain AS path", r)
		}
		if data, err := os.ReadFile(cfgA.StateFile); err != nil || !strings.Contains(string(data), `"drained": false`) {
			t.Errorf("state file after undrain: %s, %v", data, err)
		}
	})

	t.Run("shutdown withdraws before returning", func(t *testing.T) {
		start := time.Now()
		if err := a2.Shutdown(context.Background()); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		took := time.Since(start)
		// Checked once, right away: the withdrawal must already be there.
		if !l.hasNoAnycast("spkA") {
			t.Fatalf("BIRD still has routes via A after Shutdown returned (%v)", took)
		}
		t.Logf("Shutdown took %v", took)
		if !l.hasAnycast("spkB") {
			t.Error("B's routes disappeared")
		}
		if st := a2.Status(); st.Running || st.Prefixes[0].State != StateWithdrawn {
			t.Errorf("status after shutdown: %+v", st)
		}
		if err := a2.Shutdown(context.Background()); err != nil {
			t.Errorf("second Shutdown: %v", err)
		}
	})
}
