package tunnel

import (
	"testing"
	"time"

	"github.com/argonet/argo/overlay"
)

// newTestProber returns a prober without sockets, for its bookkeeping.
func newTestProber(t *testing.T, routes []Route) (*prober, map[uint16]*destRoute) {
	t.Helper()
	dests, err := compileRoutes(1, testPops(), routes)
	if err != nil {
		t.Fatal(err)
	}
	p := &prober{cfg: ProbeConfig{Interval: 50 * time.Millisecond, Timeout: 200 * time.Millisecond, DownAfter: 3, Window: 20},
		paths: map[string]*pathState{}, byID: map[uint32]*pathState{}, changed: make(chan struct{}, 1)}
	p.syncPaths(dests)
	return p, dests
}

// markLost marks n new probes lost the way tick does, without sending.
func (p *prober) markLost(st *pathState, n int) {
	for i := 0; i < n; i++ {
		seq := st.nextSeq
		st.nextSeq++
		st.ring[int(seq%uint32(len(st.ring)))] = probeSlot{seq: seq, sentAt: time.Now(), lost: true}
		st.lostInRow++
		if st.up && st.lostInRow >= p.cfg.DownAfter {
			st.up = false
			p.events = append(p.events, pathEvent{dst: st.dst, nodes: st.nodes, up: false})
		}
	}
}

// A down path that leaves the routes stays probed until it answers, and
// its recovery is reported; an up path that leaves is forgotten.
func TestDownPathStaysWatchedUntilUp(t *testing.T) {
	p, _ := newTestProber(t, []Route{{Dst: 3, Paths: [][]uint16{{1, 2, 3}, {1, 3}}}})
	relayed := p.paths["1-2-3"]
	if relayed == nil {
		t.Fatalf("paths: %v", p.paths)
	}
	p.markLost(relayed, 3)
	if relayed.up {
		t.Fatal("path not down after 3 losses")
	}
	// pathcalc drops the down path from the route.
	dests, err := compileRoutes(1, testPops(), []Route{{Dst: 3, Paths: [][]uint16{{1, 3}}}})
	if err != nil {
		t.Fatal(err)
	}
	p.syncPaths(dests)
	if p.paths["1-2-3"] == nil || p.paths["1-2-3"].orphanSince.IsZero() {
		t.Fatal("down path was dropped instead of being watched")
	}
	// It answers again: an up event is reported.
	p.events = nil
	seq := relayed.nextSeq
	relayed.nextSeq++
	sent := time.Now()
	relayed.ring[int(seq%uint32(len(relayed.ring)))] = probeSlot{seq: seq, sentAt: sent}
	p.reply(3, overlay.Probe{ID: relayed.id, Seq: seq}, sent.Add(30*time.Millisecond))
	if !relayed.up || len(p.events) != 1 || !p.events[0].up {
		t.Fatalf("recovery not reported: up %v events %+v", relayed.up, p.events)
	}
	// Now up and outside every route: forgotten at the next sync.
	p.syncPaths(dests)
	if p.paths["1-2-3"] != nil {
		t.Fatal("recovered path outside the routes is still probed")
	}
}

// A reply later than the timeout stays counted lost but teaches the RTT, so
// that a path slower than the initial timeout can come up.
func TestLateReplyTeachesRTT(t *testing.T) {
	p, _ := newTestProber(t, []Route{{Dst: 3, Paths: [][]uint16{{1, 3}}}})
	st := p.paths["1-3"]
	sent := time.Now()
	st.ring[0] = probeSlot{seq: 0, sentAt: sent, lost: true}
	st.nextSeq = 1
	p.reply(3, overlay.Probe{ID: st.id, Seq: 0}, sent.Add(350*time.Millisecond))
	if st.srtt != 350*time.Millisecond {
		t.Fatalf("srtt %v after a late 350 ms reply, want 350ms", st.srtt)
	}
	if st.ring[0].answered || !st.ring[0].lost {
		t.Fatal("a late reply must stay counted lost")
	}
	if got := max(p.cfg.Timeout, 2*st.srtt); got != 700*time.Millisecond {
		t.Fatalf("timeout %v, want 700ms", got)
	}
}
