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
	p := &prober{cfg: ProbeConfig{Interval: 50 * time.Millisecond, Timeout: 200 * time.Millisecond, DownAfter: 3, Window: 40, LossDown: 0.25},
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

// TestLossyPathGoesDown drives one path on a synthetic clock with probes
// every 50 ms: lost when lossy(i) says so, answered after 30 ms otherwise.
// A path losing a third of its probes (a link at 20 % loss each way loses
// 36 % of the round trips) goes down within 1.5 s; one losing a fifth does
// not; the path comes back once its window is clean again.
func TestLossyPathGoesDown(t *testing.T) {
	everyThird := func(i int) bool { return i%3 == 2 }
	cases := []struct {
		name     string
		lossy    func(i int) bool
		probes   int
		downBy   int // the path must be down by this probe; -1: never down
		recovers bool
	}{
		{"clean", func(int) bool { return false }, 200, -1, false},
		{"one in ten lost", func(i int) bool { return i%10 == 7 }, 400, -1, false},
		{"one in five lost", func(i int) bool { return i%5 == 3 }, 400, -1, false},
		{"a third lost", everyThird, 60, 30, false},
		{"a third lost, then clean", func(i int) bool { return i < 60 && everyThird(i) }, 160, 30, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := newTestProber(t, []Route{{Dst: 3, Paths: [][]uint16{{1, 3}}}})
			st := p.paths["1-3"]
			t0 := time.Now()
			downAt := -1
			for i := range tc.probes {
				now := t0.Add(time.Duration(i) * 50 * time.Millisecond)
				p.expire(st, now)
				if !st.up && downAt < 0 {
					downAt = i
				}
				seq := st.nextSeq
				st.nextSeq++
				st.ring[int(seq%uint32(len(st.ring)))] = probeSlot{seq: seq, sentAt: now}
				if !tc.lossy(i) {
					p.reply(3, overlay.Probe{ID: st.id, Seq: seq}, now.Add(30*time.Millisecond))
				}
			}
			switch {
			case tc.downBy < 0 && downAt >= 0:
				t.Fatalf("went down at probe %d", downAt)
			case tc.downBy >= 0 && (downAt < 0 || downAt > tc.downBy):
				t.Fatalf("down at probe %d, want by %d", downAt, tc.downBy)
			case tc.recovers && !st.up:
				t.Fatal("did not come back after the loss ended")
			case tc.downBy >= 0 && !tc.recovers && st.up:
				t.Fatal("came back while still losing a fifth")
			}
			if downAt >= 0 && !p.events[0].lossy {
				t.Fatalf("events %+v: want a loss down", p.events)
			}
		})
	}
}
