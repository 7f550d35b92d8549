package report

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/argonet/argo/sim/flow"
	"github.com/argonet/argo/sim/scenario"
)

const testScenario = `name: t
duration: 20s
pops:
  - {name: a, id: 1}
  - {name: b, id: 2}
  - {name: c, id: 3}
  - {name: d, id: 4}
links:
  default: {delay: 40ms}
  pairs:
    - {from: a, to: c, delay: 5ms, symmetric: true}
    - {from: c, to: b, delay: 5ms, symmetric: true}
clients: [{name: ca, pop: a}]
origins: [{name: ob, pop: b, prefix: 203.0.113.0/24}]
flows: [{name: f1, client: ca, origin: ob}]
events:
  - {at: 5s, action: cut_link, from: a, to: c, symmetric: true}
  - {at: 10s, action: restore_link, from: a, to: c, symmetric: true}
  - {at: 15s, action: kill_pop, pop: d}
`

var defaultSettings = Settings{MaxHops: 3, ProbeIntervalMs: 200, JitterFactor: 2, RetransmitMs: 200, RelayCostMs: 1,
	MaxLoss: 0.5, HysteresisRelative: 0.1, HysteresisAbsMs: 2, HysteresisHoldSec: 2}

// testInput is a run of testScenario as the runner would record it: f1
// goes a>c>b (RTT 20 ms), the cut at 5 s moves it to a>b (80 ms) after
// 300 ms, losing the probes sent until then; after the restore it returns
// at 12.5 s. c>d flaps once at 14 s.
func testInput(t *testing.T) *Input {
	t.Helper()
	s, err := scenario.Parse("t.yaml", []byte(testScenario))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(sec float64) time.Time { return start.Add(time.Duration(sec * float64(time.Second))) }
	in := &Input{Scenario: s, Settings: defaultSettings, Start: start, ArgodStart: at(-8), End: at(20)}
	m := s.Matrix()
	for _, from := range m.Pops {
		for _, to := range m.Pops {
			if from == to {
				continue
			}
			best, _ := m.BestPath(from, to, 3)
			h := RouteHistory{Pop: from, Dst: to, Changes: []RouteChange{{At: at(-7.5), Reason: "no live path"},
				{At: at(-6), Path: best.Hops, Reason: "initial"}}}
			in.Routes = append(in.Routes, h)
		}
	}
	route := func(pop, dst string) *RouteHistory {
		for i := range in.Routes {
			if in.Routes[i].Pop == pop && in.Routes[i].Dst == dst {
				return &in.Routes[i]
			}
		}
		t.Fatalf("no route %s>%s", pop, dst)
		return nil
	}
	for _, d := range [][2]string{{"a", "b"}, {"b", "a"}} {
		r := route(d[0], d[1])
		r.Changes = append(r.Changes,
			RouteChange{At: at(5.3), Path: []string{d[0], d[1]}, Reason: "primary down: link down"},
			RouteChange{At: at(12.5), Path: []string{d[0], "c", d[1]}, Reason: "better by 58 ms (72%) for 2s"})
	}
	cd := route("c", "d")
	cd.Changes = append(cd.Changes,
		RouteChange{At: at(14), Path: []string{"c", "a", "d"}, Reason: "data plane: path probes moved traffic to a backup path"},
		RouteChange{At: at(14.5), Path: []string{"c", "d"}, Reason: "better"})
	var ov, dir flow.Series
	for i := range 1000 {
		sent := time.Duration(i) * 20 * time.Millisecond
		rtt := 20 * time.Millisecond
		if sent >= 5300*time.Millisecond && sent < 12500*time.Millisecond {
			rtt = 80 * time.Millisecond
		}
		if sent >= 5*time.Second && sent < 5360*time.Millisecond {
			rtt = flow.Lost
		}
		ov.Sent, ov.RTT = append(ov.Sent, sent), append(ov.RTT, rtt)
		dir.Sent, dir.RTT = append(dir.Sent, sent), append(dir.RTT, 80*time.Millisecond)
	}
	in.Flows = []FlowInput{{Name: "f1", Client: "ca", Origin: "ob", Ingress: "a", Egress: "b", Rate: 50, Size: 512,
		Overlay: ov, Direct: dir}}
	for i, e := range s.Events {
		in.Events = append(in.Events, AppliedEvent{Index: i, Event: e, Done: at(e.At.Seconds()), Status: Applied})
	}
	return in
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func TestBuildFlowStats(t *testing.T) {
	r := Build(testInput(t))
	f := r.Flows[0]
	if f.Overlay.Sent != 1000 || f.Overlay.Lost != 18 || f.Overlay.Received != 982 {
		t.Errorf("overlay stats %+v, want 1000 sent, 18 lost", f.Overlay)
	}
	if f.Overlay.P50Ms != 20 || f.Overlay.MaxMs != 80 || f.Direct.P50Ms != 80 || f.Direct.Lost != 0 {
		t.Errorf("overlay %+v direct %+v", f.Overlay, f.Direct)
	}
	if !near(f.GainPct, 75) || !near(r.Overall.GainPct, 75) {
		t.Errorf("gain %v / %v, want 75 %%", f.GainPct, r.Overall.GainPct)
	}
	if len(f.Forward) != 3 || f.Forward[0].AtSec != 0 || arrow(f.Forward[1].Path) != "a → b" {
		t.Errorf("forward spans %+v", f.Forward)
	}
	if f.RouteChanges != 4 || f.Flaps != 0 {
		t.Errorf("flow route changes %d flaps %d, want 4 and 0", f.RouteChanges, f.Flaps)
	}
	if r.Flaps != 1 {
		t.Errorf("network flaps %d, want 1 (c>d at 14 s)", r.Flaps)
	}
	if len(f.Packets.OverlaySentMs) != 1000 || f.Packets.OverlayRTTMs[255] != -1 || f.Packets.OverlayRTTMs[0] != 20 {
		t.Errorf("packets not exported as recorded")
	}
}

func TestBuildEvents(t *testing.T) {
	r := Build(testInput(t))
	if len(r.Events) != 3 {
		t.Fatalf("%d events", len(r.Events))
	}
	cut := r.Events[0]
	if cut.Kind != KindFailure || cut.Target != "a↔c" || len(cut.Flows) != 1 {
		t.Fatalf("cut event %+v", cut)
	}
	ef := cut.Flows[0]
	if !ef.Affected || ef.Directions != "both" || arrow(ef.OldPath) != "a → c → b" || arrow(ef.NewPath) != "a → b" {
		t.Errorf("cut effect %+v", ef)
	}
	if ef.DetectionMs == nil || !near(*ef.DetectionMs, 300) || ef.SwitchMs == nil || !near(*ef.SwitchMs, 300) {
		t.Errorf("detection %v switch %v, want 300 ms", ef.DetectionMs, ef.SwitchMs)
	}
	if ef.FailoverMs == nil || !near(*ef.FailoverMs, 360) || ef.Lost != 18 || ef.DirectLost != 0 {
		t.Errorf("failover %v lost %d, want 360 ms and 18", ef.FailoverMs, ef.Lost)
	}
	restore := r.Events[1]
	rf := restore.Flows[0]
	if restore.Kind != KindRecovery || !rf.Affected || rf.SwitchMs == nil || !near(*rf.SwitchMs, 2500) || rf.Lost != 0 ||
		arrow(rf.NewPath) != "a → c → b" {
		t.Errorf("restore %+v / %+v", restore, rf)
	}
	kill := r.Events[2].Flows[0]
	if kill.Affected || kill.Note == "" {
		t.Errorf("kill of d affected f1: %+v", kill)
	}
	text := strings.Join(r.Summary, "\n")
	for _, want := range []string{"first probe on a → b after 360 ms", "18 probes lost", "moved onto it (both ways) after 2.50 s",
		"kill pop d: no flow used it", "median 20.0 ms vs 80.0 ms direct (-75 %)"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
}

func TestEventKinds(t *testing.T) {
	s, err := scenario.Parse("k.yaml", []byte(`name: k
duration: 10s
pops: [{name: a, id: 1}, {name: b, id: 2}]
links: {default: {delay: 10ms}}
events:
  - {at: 1s, action: set_link, from: a, to: b, loss: 20%}
  - {at: 2s, action: set_link, from: a, to: b, loss: 0}
  - {at: 3s, action: set_link, from: a, to: b, delay: 50ms}
  - {at: 4s, action: set_link, from: a, to: b, delay: 5ms}
  - {at: 5s, action: drain_pop, pop: a}
  - {at: 6s, action: undrain_pop, pop: a}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{KindFailure, KindRecovery, KindFailure, KindRecovery, KindFailure, KindRecovery}
	for i, e := range s.Events {
		if got := kindOf(s, e); got != want[i] {
			t.Errorf("event %d (%s %s): %s, want %s", i, e.Action, detail(e), got, want[i])
		}
	}
}

func TestConvergence(t *testing.T) {
	in := testInput(t)
	r := Build(in)
	c := r.Convergence
	if c.Pairs != 12 || c.Optimal != 12 || len(c.Worse) != 0 {
		t.Errorf("convergence %+v, want 12 optimal pairs", c)
	}
	if c.ReachableSec == nil || !near(*c.ReachableSec, 2) || c.OptimalSec == nil || !near(*c.OptimalSec, 2) {
		t.Errorf("reachable %v optimal %v, want 2 s after argod start", c.ReachableSec, c.OptimalSec)
	}
	// A pair left on a path far worse than the optimum is reported.
	for i := range in.Routes {
		if in.Routes[i].Pop == "d" && in.Routes[i].Dst == "c" {
			in.Routes[i].Changes[1].Path = []string{"d", "a", "b", "c"}
		}
	}
	r = Build(in)
	c = r.Convergence
	if len(c.Worse) != 1 || c.OptimalSec != nil || c.Worse[0].From != "d" {
		t.Errorf("convergence with a bad route %+v", c)
	}
}

func TestAcceptableMargin(t *testing.T) {
	c := &costs{s: defaultSettings}
	cases := []struct {
		cost, best float64
		links      int
		want       bool
	}{
		{100, 100, 1, true},
		{109, 100, 1, true},   // within 10 % of 109
		{112, 100, 1, false},  // 12 > 11.2 + 0.3
		{101.9, 100, 1, true}, // within 2 ms
		{12.5, 10, 2, true},   // 2.5 <= 2 + 0.6
		{13, 10, 2, false},
	}
	for _, x := range cases {
		if got := c.acceptable(x.cost, x.best, x.links); got != x.want {
			t.Errorf("acceptable(%v, %v, %d) = %v", x.cost, x.best, x.links, got)
		}
	}
}

func TestPercentile(t *testing.T) {
	v := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct{ p, want float64 }{{50, 5}, {90, 9}, {99, 10}, {0, 1}, {100, 10}} {
		if got := percentile(v, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
}
