package runner

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// scaleScenario generates n PoPs on a circle of 100 ms circumference
// (one-way delay = distance, 2 to 50 ms) where every third direct link is
// inflated by 80 % (so relaying pays, as on the real Internet), a flow
// each way between p1 and the PoP opposite, and a cut of the direct link
// between the two at 5 s.
func scaleScenario(n int, duration string, overrides string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name: scale%d\nduration: %s\npops:\n", n, duration)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  - {name: p%d, id: %d}\n", i, i)
	}
	b.WriteString("links:\n  default: {delay: 50ms}\n  pairs:\n")
	for i := 1; i <= n; i++ {
		for j := i + 1; j <= n; j++ {
			d := float64(min(j-i, n-(j-i))) / float64(n) * 100 // ms, up to 50
			d = math.Max(d, 2)
			if (i+j)%3 == 0 && j-i > 1 {
				d *= 1.8
			}
			fmt.Fprintf(&b, "    - {from: p%d, to: p%d, delay: %dus, symmetric: true}\n", i, j, int(d*1000))
		}
	}
	opp := n/2 + 1
	fmt.Fprintf(&b, `clients: [{name: c1, pop: p1}, {name: c2, pop: p%d}]
origins: [{name: o1, pop: p1, prefix: 192.0.2.0/24}, {name: o2, pop: p%d, prefix: 203.0.113.0/24}]
flows: [{name: out, client: c1, origin: o2}, {name: back, client: c2, origin: o1}]
events:
  - {at: 5s, action: cut_link, from: p1, to: p%d, symmetric: true}
%s`, opp, opp, opp, overrides)
	return b.String()
}

// TestSixteenPoPs runs argosim with 16 PoPs (16 argods, 240 directed
// links) on this machine: the run completes, every PoP reaches every
// other, the flows get through, and the cut of the direct link between
// the flows' PoPs is routed around.
//
// Convergence within 10 s is asserted on the smaller scenarios (the issue
// allows "the default scenario or a smaller one"): here 16 argods start
// at once on two shared cores, their first RTT samples are inflated by
// the CPU contention, and the routes need about 20 s to reach the
// optimum (logged, not asserted).
//
// The in-band path probes run every 500 ms instead of 50 ms (and time out
// after 1 s, see TestImprovementAndReturn): at 50 ms, 16 PoPs probing
// every primary and backup path of 15 destinations would send about 80,000
// packets per second through the emulator and the userspace relays, more
// than two shared cores carry.
func TestSixteenPoPs(t *testing.T) {
	_, rep := runYAML(t, scaleScenario(16, "12s", "argod:\n  overlay.probe_interval: 500ms\n  overlay.probe_timeout: 1s\n"))
	if len(rep.Pops) != 16 || rep.Convergence.Pairs != 240 {
		t.Fatalf("report has %d PoPs and %d pairs", len(rep.Pops), rep.Convergence.Pairs)
	}
	if rep.Convergence.ReachableSec == nil {
		t.Error("some PoPs never reached each other")
	} else {
		t.Logf("every PoP reached every other %.1f s after start; %d of 240 routes relay through another PoP",
			*rep.Convergence.ReachableSec, rep.Convergence.RelayPairs)
	}
	if c := rep.Convergence.OptimalSec; c != nil {
		t.Logf("all 240 routes within the hysteresis margin of the optimum %.1f s after start", *c)
	} else {
		t.Logf("routes at the start of the timeline: %d optimal, %d within the margin, %d worse",
			rep.Convergence.Optimal, rep.Convergence.WithinMargin, len(rep.Convergence.Worse))
	}
	cut, fs := flowEffects(t, rep, 0)
	hit := 0
	for _, f := range fs {
		if !f.Affected {
			continue
		}
		hit++
		if f.FailoverMs == nil || *f.FailoverMs > 2000 {
			t.Errorf("%s %s: flow %s rerouted after %v ms, want within 2 s", cut.Action, cut.Target, f.Flow, deref(f.FailoverMs))
		}
		t.Logf("%s %s: %s moved from %v to %v after %.0f ms", cut.Action, cut.Target, f.Flow, f.OldPath, f.NewPath, deref(f.FailoverMs))
	}
	if hit == 0 {
		t.Errorf("the cut of %s hit no flow", cut.Target)
	}
	for _, f := range rep.Flows {
		if f.Overlay.Sent == 0 || f.Overlay.LossPct > 20 {
			t.Errorf("flow %s: %d probes sent, %.1f %% lost", f.Name, f.Overlay.Sent, f.Overlay.LossPct)
		}
		t.Logf("flow %s: overlay median %.1f ms vs direct %.1f ms, loss %.1f %%", f.Name, f.Overlay.P50Ms, f.Direct.P50Ms, f.Overlay.LossPct)
	}
	if len(rep.Crashes) > 0 {
		t.Errorf("argod crashed: %v", rep.Crashes)
	}
	if rep.Fabric == nil || rep.Fabric.Overflow+rep.Fabric.RingDrops > 0 {
		t.Errorf("emulator overloaded: %+v", rep.Fabric)
	}
}
