package pathcalc

import (
	"bytes"
	"log/slog"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// testNet is a small mutable link table for engine tests.
type testNet struct {
	nodes []uint16
	links map[[2]uint16]Link
}

func newTestNet(nodes ...uint16) *testNet {
	return &testNet{nodes: nodes, links: map[[2]uint16]Link{}}
}

// set installs a live link in both directions with the given RTT.
func (n *testNet) set(a, b uint16, rttMs float64) *testNet {
	d := time.Duration(rttMs * float64(time.Millisecond))
	n.links[[2]uint16{a, b}] = Link{From: a, To: b, RTT: d, Up: true}
	n.links[[2]uint16{b, a}] = Link{From: b, To: a, RTT: d, Up: true}
	return n
}

// edit changes the link a->b (one direction).
func (n *testNet) edit(a, b uint16, f func(*Link)) {
	l := n.links[[2]uint16{a, b}]
	f(&l)
	n.links[[2]uint16{a, b}] = l
}

// up sets the Up flag of both directions.
func (n *testNet) up(a, b uint16, up bool) {
	n.edit(a, b, func(l *Link) { l.Up = up })
	n.edit(b, a, func(l *Link) { l.Up = up })
}

func (n *testNet) list() []Link {
	keys := slices.SortedFunc(maps.Keys(n.links), func(x, y [2]uint16) int {
		if x[0] != y[0] {
			return int(x[0]) - int(y[0])
		}
		return int(x[1]) - int(y[1])
	})
	out := make([]Link, 0, len(keys))
	for _, k := range keys {
		out = append(out, n.links[k])
	}
	return out
}

// testEngine is an engine with a private registry and a captured log.
type testEngine struct {
	*Engine
	t   *testing.T
	reg *prometheus.Registry
	log *bytes.Buffer
	net *testNet
	now time.Time
}

func newTestEngine(t *testing.T, self uint16, s Settings, net *testNet) *testEngine {
	t.Helper()
	reg := prometheus.NewRegistry()
	buf := &bytes.Buffer{}
	log := slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e, err := NewEngine(self, s, log, reg)
	if err != nil {
		t.Fatal(err)
	}
	return &testEngine{Engine: e, t: t, reg: reg, log: buf, net: net, now: time.Unix(1_700_000_000, 0)}
}

// step advances the synthetic clock by d and runs Update.
func (te *testEngine) step(d time.Duration) *Table {
	te.t.Helper()
	te.now = te.now.Add(d)
	tb, err := te.Update(te.net.nodes, te.net.list(), te.now)
	if err != nil {
		te.t.Fatalf("Update: %v", err)
	}
	return tb
}

// primary returns the current primary to dst as ids (nil if unreachable).
func (te *testEngine) primary(dst uint16) []uint16 {
	r := te.Current().Route(dst)
	if r == nil {
		return nil
	}
	return r.Primary.Nodes
}
