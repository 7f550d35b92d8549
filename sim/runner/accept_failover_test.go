package runner

import (
	"testing"

	"github.com/argonet/argo/sim/report"
)

// pairScenario is a PoP pair a, b whose direct path (80 ms RTT) loses to
// relays, and a flow each way. Relays are given by the caller.
const pairHead = `pops:
  - {name: a, id: 1}
  - {name: b, id: 2}
  - {name: c, id: 3}
  - {name: d, id: 4}
  - {name: e, id: 5}
links:
  default: {delay: 40ms}
  pairs:
    - {from: a, to: b, delay: 40ms, symmetric: true}
`

// twoRelays adds relays c (10 ms RTT) and d (15 ms) to pairHead's 80 ms
// direct path.
const twoRelays = `    - {from: a, to: c, delay: 5ms, symmetric: true}
    - {from: c, to: b, delay: 5ms, symmetric: true}
    - {from: a, to: d, delay: 7500us, symmetric: true}
    - {from: d, to: b, delay: 7500us, symmetric: true}
`

const pairFlows = `clients: [{name: ca, pop: a}, {name: cb, pop: b}]
origins: [{name: ob, pop: b, prefix: 203.0.113.0/24}, {name: oa, pop: a, prefix: 192.0.2.0/24}]
flows: [{name: fwd, client: ca, origin: ob}, {name: rev, client: cb, origin: oa}]
`

// TestFailover runs argod with its default settings through a killed relay
// and two cuts: relays c (20 ms RTT via c), d (30 ms), e (40 ms), direct
// 80 ms. Every event hits the path in use if argod moves to the best
// remaining relay each time; the assertions count only flows the event
// actually hit (from the recorded paths).
//
// Asserted: within 10 s of start the routes are optimal; a killed PoP's
// transit traffic is rerouted within 1 s; over the cuts of a link on the
// path in use, the failover time (event to first probe delivered on the
// new path) has p99 at most 1 s.
func TestFailover(t *testing.T) {
	s, rep := runYAML(t, "name: failover\nduration: 18s\n"+pairHead+`    - {from: a, to: c, delay: 5ms, symmetric: true}
    - {from: c, to: b, delay: 5ms, symmetric: true}
    - {from: a, to: d, delay: 7500us, symmetric: true}
    - {from: d, to: b, delay: 7500us, symmetric: true}
    - {from: a, to: e, delay: 10ms, symmetric: true}
    - {from: e, to: b, delay: 10ms, symmetric: true}
`+pairFlows+`events:
  - {at: 4s, action: kill_pop, pop: c}
  - {at: 9s, action: cut_link, from: a, to: d, symmetric: true}
  - {at: 14s, action: cut_link, from: a, to: e, symmetric: true}
`)
	checkConverged(t, s, rep)
	_, kill := flowEffects(t, rep, 0)
	for _, f := range kill {
		if !f.Affected {
			t.Errorf("kill of c: flow %s was not using c (%v)", f.Flow, f.OldPath)
			continue
		}
		if f.FailoverMs == nil || *f.FailoverMs > 1000 {
			t.Errorf("kill of c: flow %s rerouted after %v ms, want at most 1000 (%s)", f.Flow, deref(f.FailoverMs), f.Note)
		}
		t.Logf("kill of relay c: %s rerouted to %v after %.0f ms, %d probes lost", f.Flow, f.NewPath, deref(f.FailoverMs), f.Lost)
	}
	var samples []float64
	for _, i := range []int{1, 2} {
		e, fs := flowEffects(t, rep, i)
		for _, f := range fs {
			if !f.Affected {
				t.Logf("%s %s: flow %s was on %v, not affected", e.Action, e.Target, f.Flow, f.OldPath)
				continue
			}
			if f.FailoverMs == nil {
				t.Errorf("%s %s: flow %s never got a probe through a new path (%s)", e.Action, e.Target, f.Flow, f.Note)
				continue
			}
			samples = append(samples, *f.FailoverMs)
			t.Logf("%s %s: %s from %v to %v: detection %.0f ms, failover %.0f ms, %d probes lost",
				e.Action, e.Target, f.Flow, f.OldPath, f.NewPath, deref(f.DetectionMs), *f.FailoverMs, f.Lost)
		}
	}
	if len(samples) < 2 {
		t.Fatalf("only %d failover samples from the cuts: argod did not move to the best remaining relay after the kill", len(samples))
	}
	if p := p99(samples); p > 1000 {
		t.Errorf("failover p99 %.0f ms over %d cuts of the path in use, want at most 1000", p, len(samples))
	} else {
		t.Logf("failover p99 %.0f ms over %d samples", p, len(samples))
	}
}

// TestDegradedLinkLeft degrades the relay link in use to 20 % loss (both
// ways) and asserts that every affected direction leaves it within 2 s,
// with argod's defaults: the in-band path probes (every 50 ms) see a
// quarter of the last 40 probes lost (overlay.probe_loss_down) and report
// the path down, and a down primary is left at once, without hysteresis.
// The scenario has no other loss.
func TestDegradedLinkLeft(t *testing.T) {
	s, rep := runYAML(t, "name: degrade\nduration: 11s\n"+pairHead+twoRelays+pairFlows+`events:
  - {at: 4s, action: set_link, from: a, to: c, symmetric: true, loss: 20%}
`)
	checkConverged(t, s, rep)
	requireLeft(t, rep, 0, 2000, false)
}

// requireLeft checks that event i of rep touched every flow and that each
// left the element the event acted on within limitMs (and, with noLoss,
// without losing a probe).
func requireLeft(t *testing.T, rep *report.Report, i int, limitMs float64, noLoss bool) {
	t.Helper()
	e, fs := flowEffects(t, rep, i)
	for _, f := range fs {
		if !f.Affected {
			t.Errorf("%s %s: flow %s was not on it (%v)", e.Action, e.Target, f.Flow, f.OldPath)
			continue
		}
		if f.SwitchMs == nil || *f.SwitchMs > limitMs || (noLoss && f.Lost != 0) {
			t.Errorf("%s %s: flow %s (%s) left after %v ms with %d probes lost, want at most %v ms (and none lost: %v) (%s)",
				e.Action, e.Target, f.Flow, f.Directions, deref(f.SwitchMs), f.Lost, limitMs, noLoss, f.Note)
			continue
		}
		t.Logf("flow %s left %v after %.0f ms (first route change %.0f ms), first probe on %v after %.0f ms, %d probes lost",
			f.Flow, f.OldPath, *f.SwitchMs, deref(f.DetectionMs), f.NewPath, deref(f.FailoverMs), f.Lost)
	}
}

func deref(v *float64) float64 {
	if v == nil {
		return -1
	}
	return *v
}

// TestDrainRelay drains the relay in use (argod's drain, no BGP in the
// simulator): both directions leave it within 1 s without losing a probe
// (the drained PoP still forwards while the others move away), and after
// the undrain they return only after the hysteresis hold.
func TestDrainRelay(t *testing.T) {
	s, rep := runYAML(t, "name: drain\nduration: 12s\n"+pairHead+twoRelays+pairFlows+`events:
  - {at: 3s, action: drain_pop, pop: c}
  - {at: 7s, action: undrain_pop, pop: c}
`)
	checkConverged(t, s, rep)
	requireLeft(t, rep, 0, 1000, true)
	e, fs := flowEffects(t, rep, 1)
	for _, f := range fs {
		if !f.Affected || f.SwitchMs == nil || *f.SwitchMs < 2000 {
			t.Errorf("%s %s: flow %s back on the relay after %v ms (affected %v), want after the 2 s hold (%s)",
				e.Action, e.Target, f.Flow, deref(f.SwitchMs), f.Affected, f.Note)
			continue
		}
		t.Logf("flow %s back on %v after %.0f ms, %d probes lost", f.Flow, f.NewPath, *f.SwitchMs, f.Lost)
	}
}
