package pathcalc

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// changes reads argo_pathcalc_route_changes_total{reason} from the engine's
// registry.
func changes(t *testing.T, te *testEngine, reason string) float64 {
	t.Helper()
	return gathered(t, te.reg, "argo_pathcalc_route_changes_total", reason)
}

// gathered returns the value of a counter or gauge (with reason label, if
// reason != "") from a registry.
func gathered(t *testing.T, reg *prometheus.Registry, name, reason string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			match := reason == ""
			for _, lp := range m.GetLabel() {
				match = match || lp.GetName() == "reason" && lp.GetValue() == reason
			}
			if match {
				return m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
	}
	t.Fatalf("metric %s{reason=%q} not found", name, reason)
	return 0
}

// baseNet: 1 is self. Direct 1-2 costs 50; 1-3-2 costs 30+30+1 = 61;
// 1-4-2 costs 70+70+1.
func baseNet() *testNet {
	return newTestNet(1, 2, 3, 4).set(1, 2, 50).set(1, 3, 30).set(3, 2, 30).set(1, 4, 70).set(4, 2, 70).set(3, 4, 90)
}

// TestHysteresis drives one destination through cost changes on a
// synthetic clock: each step sets the 3->2 RTT, advances the clock and checks
// the primary.
func TestHysteresis(t *testing.T) {
	direct, via3 := []uint16{1, 2}, []uint16{1, 3, 2}
	type step struct {
		after time.Duration
		rtt32 float64 // RTT of 3<->2; via 3 costs 30 + rtt32 + 1
		want  []uint16
	}
	cases := []struct {
		name   string
		steps  []step
		reason string // Reason expected at the end
	}{
		{"small improvement never switches", []step{
			{0, 30, direct}, {time.Second, 17.5, direct}, {5 * time.Second, 17.5, direct}, {time.Hour, 17.5, direct},
		}, "initial"},
		{"absolute but not relative margin never switches", []step{
			{0, 30, direct}, {time.Second, 16, direct}, {time.Minute, 16, direct},
		}, "initial"},
		{"while settling, the absolute margin suffices", []step{
			{0, 30, direct}, {time.Second, 16, direct}, {2 * time.Second, 16, via3},
		}, "better by 3.0 ms (6%) for 2s"},
		{"after settling, the absolute margin alone does not switch", []step{
			{0, 30, direct}, {31 * time.Second, 16, direct}, {time.Hour, 16, direct},
		}, "initial"},
		{"big improvement switches only after hold", []step{
			{0, 30, direct}, {time.Second, 10, direct}, {time.Second, 10, direct},
			{999 * time.Millisecond, 10, direct}, {time.Millisecond, 10, via3},
		}, "better by 9.0 ms (18%) for 2s"},
		{"interrupted improvement restarts the hold", []step{
			{0, 30, direct}, {time.Second, 10, direct}, {1500 * time.Millisecond, 30, direct},
			{500 * time.Millisecond, 10, direct}, {1900 * time.Millisecond, 10, direct}, {100 * time.Millisecond, 10, via3},
		}, "better by 9.0 ms (18%) for 2s"},
		{"worse primary stays while no alternative is better by the margins", []step{
			{0, 5, via3}, {time.Second, 22, via3}, {time.Minute, 22, via3},
		}, "initial"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			te := newTestEngine(t, 1, DefaultSettings(), baseNet())
			for i, s := range tc.steps {
				te.net.set(3, 2, s.rtt32)
				te.step(s.after)
				if got := te.primary(2); !slices.Equal(got, s.want) {
					t.Fatalf("step %d: primary %v, want %v", i, got, s.want)
				}
			}
			if r := te.Current().Route(2); r.Reason != tc.reason {
				t.Fatalf("reason %q, want %q", r.Reason, tc.reason)
			}
		})
	}
}

func TestHysteresisSinceAndMetrics(t *testing.T) {
	te := newTestEngine(t, 1, DefaultSettings(), baseNet())
	t0 := te.step(0).Computed
	te.net.set(3, 2, 10)
	te.step(time.Second)
	tb := te.step(2 * time.Second)
	r := tb.Route(2)
	if !slices.Equal(r.Primary.Nodes, []uint16{1, 3, 2}) || !r.Since.Equal(t0.Add(3*time.Second)) {
		t.Fatalf("route %+v, want via 3 since t0+3s", r)
	}
	if got := changes(t, te, ReasonBetter); got != 1 {
		t.Fatalf("better changes = %v, want 1", got)
	}
	if got := changes(t, te, ReasonInitial); got != 3 {
		t.Fatalf("initial changes = %v, want 3 (dst 2, 3, 4)", got)
	}
	for name, want := range map[string]float64{
		"argo_pathcalc_routes": 3, "argo_pathcalc_relayed_routes": 1,
		"argo_pathcalc_table_generation": 3, "argo_pathcalc_unreachable": 0,
	} {
		if got := gathered(t, te.reg, name, ""); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if !strings.Contains(te.log.String(), `reason="better by 9.0 ms (18%) for 2s"`) {
		t.Fatalf("change not logged:\n%s", te.log.String())
	}
	if r.DirectCost != 50 || !r.DirectUp || r.Gain() != 9 {
		t.Fatalf("direct %v up %v gain %v, want 50 true 9", r.DirectCost, r.DirectUp, r.Gain())
	}
}

func TestPrimaryDownSwitchesAtOnce(t *testing.T) {
	te := newTestEngine(t, 1, DefaultSettings(), baseNet())
	tb := te.step(0)
	r := tb.Route(2)
	if !slices.Equal(r.Primary.Nodes, []uint16{1, 2}) || len(r.Backups) == 0 || !slices.Equal(r.Backups[0].Nodes, []uint16{1, 3, 2}) {
		t.Fatalf("initial route %+v", r)
	}
	te.net.up(1, 2, false)
	r = te.step(10 * time.Millisecond).Route(2)
	if !slices.Equal(r.Primary.Nodes, []uint16{1, 3, 2}) || r.Reason != "primary down: link 1->2 down" {
		t.Fatalf("after failure: %v %q", r.Primary.Nodes, r.Reason)
	}
	if changes(t, te, ReasonDown) != 1 {
		t.Fatal("down change not counted")
	}
	// Loss at or above MaxLoss is down too, with the loss in the reason.
	te.net.edit(1, 3, func(l *Link) { l.Loss = 0.6 })
	r = te.step(10 * time.Millisecond).Route(2)
	if !slices.Equal(r.Primary.Nodes, []uint16{1, 4, 2}) || !strings.Contains(r.Reason, "link 1->3 loss 0.6 >= MaxLoss 0.5") {
		t.Fatalf("after loss: %v %q", r.Primary.Nodes, r.Reason)
	}
}

// TestFailoverPrefersPublishedBackup: when the primary dies, the previously
// published backup is kept unless the fresh best beats it by the margins.
func TestFailoverPrefersPublishedBackup(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rtt34  float64 // 1-3-4-2 costs 30 + rtt34 + 70 + 2 after 3-2 dies
		rtt42  float64
		change func(n *testNet)
		want   []uint16
	}{
		// Backups of 1>3>2: A = B = 1>2 (50), C = 1>4>2. After 3-2 and 1-2
		// die, A is dead and the next published backup, C, is taken.
		{"dead backup skipped", 90, 70, func(n *testNet) { n.up(3, 2, false); n.up(1, 2, false) }, []uint16{1, 4, 2}},
		// Published backup 1>2 stays live when 3-2 dies; fresh best is 1>2 too.
		{"backup is the fresh best", 90, 70, func(n *testNet) { n.up(3, 2, false) }, []uint16{1, 2}},
		// 1>2 worsens to 60 (still live); fresh best 1>4>2 costs 56: better by
		// 4 ms, not by 10%: keep the published backup.
		{"published backup within margins wins", 90, 25, func(n *testNet) {
			n.up(3, 2, false)
			n.set(1, 2, 60)
		}, []uint16{1, 2}},
		// 1>2 worsens to 200: fresh best 1>4>2 (96) beats it by the margins.
		{"much better fresh path wins", 90, 25, func(n *testNet) {
			n.up(3, 2, false)
			n.set(1, 2, 200)
		}, []uint16{1, 4, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			net := baseNet().set(3, 2, 5).set(3, 4, tc.rtt34).set(4, 2, tc.rtt42)
			if tc.rtt42 == 25 {
				net.set(1, 4, 30)
			}
			te := newTestEngine(t, 1, DefaultSettings(), net)
			r := te.step(0).Route(2)
			if !slices.Equal(r.Primary.Nodes, []uint16{1, 3, 2}) || !slices.Equal(r.Backups[0].Nodes, []uint16{1, 2}) {
				t.Fatalf("setup: %v backups %v", r.Primary.Nodes, r.Backups)
			}
			tc.change(te.net)
			r = te.step(time.Millisecond).Route(2)
			if !slices.Equal(r.Primary.Nodes, tc.want) || r.Reason != "primary down: link 3->2 down" {
				t.Fatalf("got %v (%q), want %v", r.Primary.Nodes, r.Reason, tc.want)
			}
		})
	}
}

func TestUnreachableAndBack(t *testing.T) {
	net := newTestNet(1, 2, 3).set(1, 2, 10).set(2, 3, 10)
	te := newTestEngine(t, 1, DefaultSettings(), net)
	te.step(0)
	if te.primary(3) == nil {
		t.Fatal("3 should be reachable via 2")
	}
	net.up(2, 3, false)
	tb := te.step(time.Second)
	if tb.Route(3) != nil || !slices.Equal(tb.Unreachable(), []uint16{3}) {
		t.Fatalf("route %v unreachable %v", tb.Route(3), tb.Unreachable())
	}
	if changes(t, te, ReasonUnreachable) != 1 {
		t.Fatal("unreachable not counted")
	}
	net.up(2, 3, true)
	r := te.step(time.Second).Route(3)
	if r == nil || r.Reason != "reachable again" || changes(t, te, ReasonInitial) != 3 {
		t.Fatalf("route %+v initial=%v", r, changes(t, te, ReasonInitial))
	}
}

func TestPin(t *testing.T) {
	te := newTestEngine(t, 1, DefaultSettings(), baseNet())
	te.step(0)
	if err := te.Pin(2, []uint16{4}); err != nil {
		t.Fatal(err)
	}
	tb, err := te.Recompute(te.now)
	if err != nil {
		t.Fatal(err)
	}
	r := tb.Route(2)
	if !slices.Equal(r.Primary.Nodes, []uint16{1, 4, 2}) || !r.Pinned || r.Reason != "pinned" {
		t.Fatalf("pinned route %+v", r)
	}
	if slices.ContainsFunc(r.Backups, func(p Path) bool { return p.Equal(r.Primary) }) {
		t.Fatalf("backups %v contain the primary", r.Backups)
	}
	// Kept while live, whatever the cost.
	te.net.set(4, 2, 500)
	if r := te.step(time.Hour).Route(2); !r.Pinned || !slices.Equal(r.Primary.Nodes, []uint16{1, 4, 2}) {
		t.Fatalf("pin not kept: %+v", r)
	}
	// A dead pin yields to the best path at once.
	te.net.up(4, 2, false)
	r = te.step(time.Second).Route(2)
	if r.Pinned || !slices.Equal(r.Primary.Nodes, []uint16{1, 2}) || r.Reason != "primary down: pinned path down: link 4->2 down" {
		t.Fatalf("dead pin: %+v", r)
	}
	// And comes back at once.
	te.net.up(4, 2, true)
	if r := te.step(time.Second).Route(2); !r.Pinned || r.Reason != "pinned" {
		t.Fatalf("pin back: %+v", r)
	}
	if got := changes(t, te, ReasonPinned); got != 2 {
		t.Fatalf("pinned changes %v, want 2", got)
	}
	// Unpin: no flap; hysteresis moves away after Hold.
	te.Unpin(2)
	r = te.step(time.Second).Route(2)
	if r.Pinned || !slices.Equal(r.Primary.Nodes, []uint16{1, 4, 2}) {
		t.Fatalf("after unpin: %+v", r)
	}
	te.step(time.Second)
	if r := te.step(time.Second).Route(2); !slices.Equal(r.Primary.Nodes, []uint16{1, 2}) || !strings.HasPrefix(r.Reason, "better by") {
		t.Fatalf("after unpin + hold: %+v", r)
	}
}

func TestPinValidation(t *testing.T) {
	e, err := NewEngine(1, DefaultSettings(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		dst  uint16
		via  []uint16
		want string
	}{
		{1, nil, "dst 1 is self"},
		{2, []uint16{3, 4, 5, 6}, "path has 5 links"},
		{2, []uint16{3, 3}, "[2]: node 3 repeated"},
		{2, []uint16{1}, "[1]: node 1 repeated"},
		{2, []uint16{2}, "[2]: node 2 repeated"},
	} {
		err := e.Pin(tc.dst, tc.via)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "via: ") {
			t.Errorf("Pin(%d, %v) = %v, want error containing %q", tc.dst, tc.via, err, tc.want)
		}
	}
	if len(e.Pins()) != 0 {
		t.Fatalf("invalid pins were stored: %v", e.Pins())
	}
	if err := e.Pin(2, []uint16{3, 4, 5}); err != nil {
		t.Fatalf("a 4-link pin is valid: %v", err)
	}
}

func TestSetPathDown(t *testing.T) {
	net := baseNet().set(3, 2, 5) // primary 1>3>2 (36), A = 1>2 (50)
	te := newTestEngine(t, 1, DefaultSettings(), net)
	te.step(0)
	if err := te.SetPathDown(2, []uint16{1, 3, 2}, true); err != nil {
		t.Fatal(err)
	}
	tb, _ := te.Recompute(te.now.Add(time.Millisecond))
	r := tb.Route(2)
	if !slices.Equal(r.Primary.Nodes, []uint16{1, 2}) || r.Reason != "primary down: path reported down" {
		t.Fatalf("after report: %+v", r)
	}
	for _, b := range r.Backups {
		if slices.Equal(b.Nodes, []uint16{1, 3, 2}) {
			t.Fatalf("reported path used as backup: %v", r.Backups)
		}
	}
	// The next best path with the same first hop is still a candidate.
	if !slices.ContainsFunc(r.Backups, func(p Path) bool { return slices.Equal(p.Nodes, []uint16{1, 3, 4, 2}) }) &&
		!slices.ContainsFunc(r.Backups, func(p Path) bool { return slices.Equal(p.Nodes, []uint16{1, 4, 2}) }) {
		t.Fatalf("backups %v", r.Backups)
	}
	// Cleared: the better path comes back through hysteresis.
	if err := te.SetPathDown(2, []uint16{1, 3, 2}, false); err != nil {
		t.Fatal(err)
	}
	te.step(time.Second)
	if got := te.primary(2); !slices.Equal(got, []uint16{1, 2}) {
		t.Fatalf("switched back before hold: %v", got)
	}
	te.step(2 * time.Second)
	if got := te.primary(2); !slices.Equal(got, []uint16{1, 3, 2}) {
		t.Fatalf("not switched back after hold: %v", got)
	}
	if len(te.DownPaths()) != 0 {
		t.Fatalf("down paths %v", te.DownPaths())
	}
}

func TestSetPathDownValidation(t *testing.T) {
	e, _ := NewEngine(1, DefaultSettings(), nil, nil)
	for _, tc := range []struct {
		dst   uint16
		nodes []uint16
		want  string
	}{
		{2, []uint16{1}, "nodes: path has 0 links"},
		{2, []uint16{3, 2}, "nodes: [0]: 3 is not self 1"},
		{2, []uint16{1, 3}, "nodes: [1]: 3 is not dst 2"},
		{2, []uint16{1, 3, 3, 2}, "nodes: [2]: node 3 repeated"},
		{2, []uint16{1, 3, 4, 5, 6, 2}, "nodes: path has 5 links"},
	} {
		if err := e.SetPathDown(tc.dst, tc.nodes, true); err == nil || err.Error() != tc.want && !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("SetPathDown(%d, %v) = %v, want %q", tc.dst, tc.nodes, err, tc.want)
		}
	}
	for i := range MaxDownPerDst {
		if err := e.SetPathDown(2, []uint16{1, uint16(10 + i), 2}, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.SetPathDown(2, []uint16{1, 99, 2}, true); err == nil {
		t.Fatal("limit not enforced")
	}
}

func TestMaxHopsLoweredSwitchesAtOnce(t *testing.T) {
	net := newTestNet(1, 2, 3, 4).set(1, 2, 100).set(1, 3, 5).set(3, 4, 5).set(4, 2, 5).set(3, 2, 50)
	te := newTestEngine(t, 1, DefaultSettings(), net)
	if got := te.step(0).Route(2).Primary.Nodes; !slices.Equal(got, []uint16{1, 3, 4, 2}) {
		t.Fatalf("primary %v", got)
	}
	s := DefaultSettings()
	s.MaxHops = 2
	if err := te.SetSettings(s); err != nil {
		t.Fatal(err)
	}
	r := te.step(time.Millisecond).Route(2)
	if !slices.Equal(r.Primary.Nodes, []uint16{1, 3, 2}) || r.Reason != "primary down: 3 links exceed MaxHops 2" {
		t.Fatalf("after MaxHops 2: %+v", r)
	}
}

func TestUpdateErrorKeepsTable(t *testing.T) {
	te := newTestEngine(t, 1, DefaultSettings(), baseNet())
	before := te.step(0)
	bad := append(te.net.list(), Link{From: 1, To: 9, Up: true})
	if _, err := te.Update(te.net.nodes, bad, te.now); err == nil || !strings.Contains(err.Error(), "To: node 9 not in node list") {
		t.Fatalf("err = %v", err)
	}
	if _, err := te.Update([]uint16{2, 3}, nil, te.now); err == nil || !strings.Contains(err.Error(), "self 1 missing") {
		t.Fatalf("err = %v", err)
	}
	if te.Current() != before {
		t.Fatal("table replaced after failed update")
	}
	if err := te.SetSettings(Settings{}); err == nil || !strings.HasPrefix(err.Error(), "settings: Weights.") {
		t.Fatalf("SetSettings(zero) = %v", err)
	}
}

func TestNewEngineRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := NewEngine(1, DefaultSettings(), nil, reg); err != nil {
		t.Fatal(err)
	}
	if _, err := NewEngine(2, DefaultSettings(), nil, reg); err == nil {
		t.Fatal("second engine on one registry should fail")
	}
	// Two engines with their own registries coexist.
	if _, err := NewEngine(2, DefaultSettings(), nil, prometheus.NewRegistry()); err != nil {
		t.Fatal(err)
	}
	if got := gathered(t, reg, "argo_pathcalc_routes", ""); got != 0 {
		t.Fatalf("routes gauge %v before any update", got)
	}
}

func TestUpdateGraph(t *testing.T) {
	net := baseNet()
	g, err := NewGraph(net.nodes, net.list(), DefaultWeights())
	if err != nil {
		t.Fatal(err)
	}
	a, _ := NewEngine(1, DefaultSettings(), nil, nil)
	b, _ := NewEngine(3, DefaultSettings(), nil, nil)
	for _, e := range []*Engine{a, b} {
		tb, err := e.UpdateGraph(g, time.Unix(0, 0))
		if err != nil || tb.Route(2) == nil {
			t.Fatalf("UpdateGraph: %v", err)
		}
	}
	s := DefaultSettings()
	s.Weights.RelayCostMs = 3
	if err := a.SetSettings(s); err != nil {
		t.Fatal(err)
	}
	if _, err := a.UpdateGraph(g, time.Unix(1, 0)); err == nil || !strings.HasPrefix(err.Error(), "graph: ") {
		t.Fatalf("mismatched weights accepted: %v", err)
	}
}

func TestPinCurrentPrimaryIsNoChange(t *testing.T) {
	te := newTestEngine(t, 1, DefaultSettings(), baseNet())
	since := te.step(0).Route(2).Since
	if err := te.Pin(2, nil); err != nil { // the direct path, already primary
		t.Fatal(err)
	}
	r := te.step(time.Second).Route(2)
	if !r.Pinned || r.Reason != "pinned" || !r.Since.Equal(since) || changes(t, te, ReasonPinned) != 0 {
		t.Fatalf("route %+v, pinned changes %v", r, changes(t, te, ReasonPinned))
	}
}

// TestDrainingRelay: links of a draining PoP carry no transit, so a route
// through it fails over at once, with the reason, and it stays reachable.
func TestDrainingRelay(t *testing.T) {
	te := newTestEngine(t, 1, DefaultSettings(), baseNet())
	te.step(0)
	te.net.set(3, 2, 10)
	te.step(time.Second)
	te.step(2 * time.Second)
	if got := te.primary(2); !slices.Equal(got, []uint16{1, 3, 2}) {
		t.Fatalf("primary %v, want via 3", got)
	}
	for _, peer := range []uint16{1, 2, 4} {
		te.net.edit(3, peer, func(l *Link) { l.Draining = true })
	}
	tab := te.step(100 * time.Millisecond)
	r := tab.Route(2)
	if !slices.Equal(r.Primary.Nodes, []uint16{1, 2}) || r.Reason != "primary down: PoP 3 is draining (no transit)" {
		t.Fatalf("route to 2: %v (%q), want [1 2] because 3 is draining", r.Primary.Nodes, r.Reason)
	}
	if got := te.primary(3); !slices.Equal(got, []uint16{1, 3}) {
		t.Fatalf("route to the draining PoP: %v, want [1 3]", got)
	}
}

// TestFailoverKeepsSettleWindow: a failover while a destination is still
// settling keeps the settle window (its link state is still the partial
// one of the start), so a path better by the absolute margin alone still
// wins after the hold, as it would have without the failover.
func TestFailoverKeepsSettleWindow(t *testing.T) {
	via3, via4 := []uint16{1, 3, 2}, []uint16{1, 4, 2}
	te := newTestEngine(t, 1, DefaultSettings(), baseNet())
	te.step(0)
	te.net.up(1, 2, false) // primary down: 1-3-2 (61) takes over
	te.step(time.Second)
	if got := te.primary(2); !slices.Equal(got, via3) {
		t.Fatalf("after failover: primary %v, want %v", got, via3)
	}
	te.net.set(1, 4, 20).set(4, 2, 37) // 1-4-2 costs 58: 3 ms (4.9 %) better
	te.step(time.Second)
	te.step(2 * time.Second)
	if got := te.primary(2); !slices.Equal(got, via4) {
		t.Fatalf("4 s after start: primary %v, want %v (settling: the absolute margin suffices)", got, via4)
	}
}
