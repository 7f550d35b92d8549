package des

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/argonet/argo/sim/matrix"
)

func TestDeliveryModel(t *testing.T) {
	m := synthMatrix(t, 6, 3)
	c := DefaultConfig()
	c.Slices = []*matrix.Matrix{m}
	c.Duration = time.Hour
	c.Events = []Event{{At: time.Minute, Action: LinkDown, A: 0, B: 4}}
	nw := newNetwork(&c)
	g := newGossipModel(nw, &c)
	for _, at := range []int64{int64(10 * time.Second), int64(2 * time.Minute)} {
		v := version{v: 42, at: at, sent: true}
		v.maxDel = g.maxDelivery(0, at)
		for r := 1; r < 6; r++ {
			d := g.deliver(0, r, &v)
			rtt, _ := m.At(0, r)
			lo := at + int64(c.Gossip.Base) + int64(c.Gossip.PerRTT*rtt*1e6)
			hi := lo + int64(c.Gossip.Spread)
			if r == 4 && at > int64(time.Minute) {
				// The direct stream is cut: push/pull through another PoP.
				lo, hi = at+int64(c.Gossip.Base), at+int64(c.Gossip.Base+c.Gossip.Spread)+g.pullNs
			}
			if d < lo || d > hi || d > v.maxDel {
				t.Errorf("at %v, 0->%d: delivered after %v, want within [%v, %v] and <= max %v", time.Duration(at), r,
					time.Duration(d-at), time.Duration(lo-at), time.Duration(hi-at), time.Duration(v.maxDel-at))
			}
			if d2 := g.deliver(0, r, &v); d2 != d {
				t.Fatal("delivery time is not a function of its inputs")
			}
		}
	}
}

func TestHistoryCollect(t *testing.T) {
	var h history
	add := func(v uint64, at, maxDel int64, sent bool) {
		pl := h.payload(3)
		h.vs = append(h.vs, version{v: v, at: at, links: pl.links, edges: pl.edges, sent: sent, maxDel: maxDel})
	}
	add(1, 0, 5, true)
	add(2, 10, 10, false)
	add(3, 20, 40, true)
	add(4, 30, 30, false)
	add(5, 50, 70, true)
	h.collect(45) // own view needs v4 (newest at <= 45); receivers need v3 (newest sent delivered by 45)
	if len(h.vs) != 3 || h.vs[0].v != 3 {
		t.Fatalf("kept %v", versions(&h))
	}
	if len(h.free) != 2 {
		t.Fatalf("%d payloads recycled, want 2", len(h.free))
	}
	if h.find(4) == nil || h.find(2) != nil || h.urgentBetween(0, 5) {
		t.Fatalf("find or urgentBetween wrong: %v", versions(&h))
	}
	h.vs[2].change = &change{better: true}
	if !h.urgentBetween(4, 5) || h.urgentBetween(3, 4) {
		t.Fatal("urgentBetween wrong")
	}
	h.collect(80)
	if len(h.vs) != 1 || h.vs[0].v != 5 {
		t.Fatalf("kept %v", versions(&h))
	}
}

func versions(h *history) []uint64 {
	var vs []uint64
	for _, v := range h.vs {
		vs = append(vs, v.v)
	}
	return vs
}

func TestNetworkConditions(t *testing.T) {
	a, _ := matrix.New([][]float64{{0, 10, 20}, {10, 0, 30}, {20, 30, 0}})
	b, _ := matrix.New([][]float64{{0, 50, 20}, {10, 0, 30}, {20, 30, 0}})
	c := DefaultConfig()
	c.Slices = []*matrix.Matrix{a, b}
	c.SliceDuration = time.Minute
	c.Duration = 10 * time.Minute
	c.Loss = 0.1
	c.Events = []Event{
		{At: 30 * time.Second, Action: LinkLoss, A: 0, B: 1, Loss: 0.5},
		{At: 90 * time.Second, Action: LinkDown, A: 0, B: 1, OneWay: true},
		{At: 2 * time.Minute, Action: NodeDown, Node: 2},
	}
	nw := newNetwork(&c)
	s := int64(time.Second)
	cases := []struct {
		i, j  int
		at    int64
		rtt   float64
		loss  float64
		up    bool
		until int64
	}{
		{0, 1, 0, 10, 0.1, true, 30 * s},
		{0, 1, 40 * s, 10, 0.55, true, 60 * s},
		{0, 1, 70 * s, 50, 0.55, true, 90 * s},
		{0, 1, 100 * s, 50, 0.55, false, never},
		{1, 0, 100 * s, 10, 0.55, true, never},
		{0, 2, 100 * s, 20, 0.1, true, 120 * s},
		{0, 2, 130 * s, 20, 0.1, false, never},
	}
	for _, k := range cases {
		cd := nw.cond(k.i, k.j, k.at)
		if cd.rttNs != k.rtt*1e6 || math.Abs(cd.loss-k.loss) > 1e-12 || cd.up != k.up || cd.until != k.until {
			t.Errorf("%d->%d at %v: %+v, want rtt %v loss %v up %v until %v", k.i, k.j, time.Duration(k.at), cd, k.rtt, k.loss, k.up, time.Duration(k.until))
		}
	}
	if want := []int64{0, 30 * s, 60 * s, 90 * s, 120 * s}; !slices.Equal(nw.bounds, want) {
		t.Errorf("bounds %v, want %v", nw.bounds, want)
	}
	tl := nw.truthLink(1, 2, 0)
	if tl.RTT != time.Duration(30e6*1.05) || tl.Jitter != time.Duration(30e6*0.05) || !tl.Up || math.Abs(tl.Loss-0.1) > 1e-12 {
		t.Errorf("truth link %+v", tl)
	}
	if !nw.outDown(0, 100*s) || nw.outDown(1, 100*s) {
		t.Error("outDown wrong")
	}
}
