package prober

import (
	"errors"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root for raw ICMP sockets and network namespaces")
	}
}

// waitFor polls cond every 10 ms until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

func newTestProber(t *testing.T, s Settings) (*Prober, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	p, err := New("self", s, testLogger(t), reg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(p.Close)
	return p, reg
}

func peerStats(p *Prober, id uint16) (PeerStats, bool) {
	for _, ps := range p.Snapshot() {
		if ps.ID == id {
			return ps, true
		}
	}
	return PeerStats{}, false
}

func peerUp(p *Prober, id uint16) func() bool {
	return func() bool { ps, ok := peerStats(p, id); return ok && ps.Up }
}

func peerDown(p *Prober, id uint16) func() bool {
	return func() bool { ps, ok := peerStats(p, id); return ok && !ps.Up }
}

// metricValue returns the value of the series name{labels}, and whether it exists.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if !hasLabels(m, labels) {
				continue
			}
			switch {
			case m.Gauge != nil:
				return m.Gauge.GetValue(), true
			case m.Counter != nil:
				return m.Counter.GetValue(), true
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount()), true
			}
		}
	}
	return 0, false
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	n := 0
	for _, lp := range m.GetLabel() {
		if v, ok := want[lp.GetName()]; ok {
			if v != lp.GetValue() {
				return false
			}
			n++
		}
	}
	return n == len(want)
}

var (
	loop4 = netip.MustParseAddr("127.0.0.1")
	loop6 = netip.MustParseAddr("::1")
)

func TestProberLoopback(t *testing.T) {
	requireRoot(t)
	p, reg := newTestProber(t, DefaultSettings())
	if err := p.SetTargets([]Target{{2, "lo6", loop6}, {1, "lo4", loop4}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "both peers up", func() bool { return peerUp(p, 1)() && peerUp(p, 2)() })
	select {
	case <-p.Changes():
	default:
		t.Error("no Changes notification after peers came up")
	}
	snap := p.Snapshot()
	if len(snap) != 2 || snap[0].ID != 1 || snap[1].ID != 2 {
		t.Fatalf("snapshot not sorted by ID: %+v", snap)
	}
	for _, ps := range snap {
		if ps.ICMP.SRTT <= 0 || ps.ICMP.SRTT > 50*time.Millisecond || ps.ICMP.Loss != 0 || ps.EchoUsed {
			t.Errorf("%s: implausible loopback stats %+v", ps.Name, ps.ICMP)
		}
		lbl := map[string]string{"pop": "self", "peer": ps.Name}
		if v, _ := metricValue(t, reg, "argo_probe_peer_up", lbl); v != 1 {
			t.Errorf("%s: argo_probe_peer_up = %v, want 1", ps.Name, v)
		}
		if v, _ := metricValue(t, reg, "argo_probe_rtt_seconds", lbl); v < 3 {
			t.Errorf("%s: %v RTT observations, want >= 3", ps.Name, v)
		}
		lbl["kind"] = "icmp"
		if v, _ := metricValue(t, reg, "argo_probe_sent_total", lbl); v < 3 {
			t.Errorf("%s: argo_probe_sent_total = %v, want >= 3", ps.Name, v)
		}
	}
}

func TestProberSetTargetsKeepsUnchangedPeers(t *testing.T) {
	requireRoot(t)
	s := DefaultSettings()
	s.Interval = 50 * time.Millisecond
	p, reg := newTestProber(t, s)
	if err := p.SetTargets([]Target{{1, "a", loop4}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "peer a up", peerUp(p, 1))
	before, _ := peerStats(p, 1)

	// Same target plus a new one: a keeps its statistics.
	if err := p.SetTargets([]Target{{1, "a", loop4}, {2, "b", loop6}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "peer b up", peerUp(p, 2))
	after, _ := peerStats(p, 1)
	if after.ICMP.Sent <= before.ICMP.Sent || !after.ICMP.LastChange.Equal(before.ICMP.LastChange) || !after.Up {
		t.Errorf("unchanged peer restarted: before sent %d changed %v, after sent %d changed %v up %v",
			before.ICMP.Sent, before.ICMP.LastChange, after.ICMP.Sent, after.ICMP.LastChange, after.Up)
	}

	// An invalid list changes nothing.
	if err := p.SetTargets([]Target{{1, "a", loop4}, {1, "c", loop4}}); err == nil {
		t.Fatal("duplicate IDs accepted")
	}
	if got := len(p.Snapshot()); got != 2 {
		t.Fatalf("rejected SetTargets changed the peer set: %d peers", got)
	}

	// A changed address restarts that peer; a removed peer disappears with its metrics.
	if err := p.SetTargets([]Target{{1, "a", loop6}}); err != nil {
		t.Fatal(err)
	}
	restarted, _ := peerStats(p, 1)
	if restarted.ICMP.Sent > 1 || restarted.Up {
		t.Errorf("changed peer kept old statistics: %+v", restarted.ICMP)
	}
	if _, ok := peerStats(p, 2); ok {
		t.Error("removed peer still in snapshot")
	}
	if _, ok := metricValue(t, reg, "argo_probe_peer_up", map[string]string{"peer": "b"}); ok {
		t.Error("removed peer still has metrics")
	}
	waitFor(t, 3*time.Second, "restarted peer a up", peerUp(p, 1))
}

// loopEcho stands in for the overlay echo: it answers every probe through
// Prober.EchoReply after a short delay while alive, like a peer's argod.
type loopEcho struct {
	p     *Prober
	alive atomic.Bool
	sent  atomic.Int64
}

func (l *loopEcho) SendEcho(to Target, seq uint16) error {
	l.sent.Add(1)
	if l.alive.Load() {
		time.AfterFunc(time.Millisecond, func() { l.p.EchoReply(to.ID, seq, time.Now()) })
	}
	return nil
}

func TestProberEchoDetectsDeadDaemon(t *testing.T) {
	requireRoot(t)
	p, reg := newTestProber(t, DefaultSettings())
	echo := &loopEcho{p: p}
	echo.alive.Store(true)
	p.SetEchoTransport(echo)
	if err := p.SetTargets([]Target{{7, "peer", loop4}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "peer up", peerUp(p, 7))
	p.EchoReply(99, 1, time.Now()) // unknown peer: ignored

	// The daemon dies; its kernel still answers ICMP.
	echo.alive.Store(false)
	died := time.Now()
	waitFor(t, 3*time.Second, "peer down", peerDown(p, 7))
	took := time.Since(died)
	ps, _ := peerStats(p, 7)
	if !ps.ICMP.Up || ps.Echo.Up || !ps.EchoUsed {
		t.Errorf("want ICMP up and echo down, got icmp %v echo %v used %v", ps.ICMP.Up, ps.Echo.Up, ps.EchoUsed)
	}
	t.Logf("dead daemon detected after %v", took)
	if took > 1500*time.Millisecond { // 800 ms by design, plus scheduling on a loaded machine
		t.Errorf("dead daemon detected after %v, want about 1 s", took)
	}
	lbl := map[string]string{"peer": "peer", "kind": "echo"}
	if v, _ := metricValue(t, reg, "argo_probe_lost_total", lbl); v < 3 {
		t.Errorf("argo_probe_lost_total{kind=echo} = %v, want >= 3", v)
	}

	echo.alive.Store(true)
	waitFor(t, 3*time.Second, "peer up again", peerUp(p, 7))

	// Without a transport only ICMP counts.
	echo.alive.Store(false)
	p.SetEchoTransport(nil)
	n := echo.sent.Load()
	time.Sleep(600 * time.Millisecond)
	if ps, _ := peerStats(p, 7); !ps.Up || ps.EchoUsed {
		t.Errorf("peer down or echo used without a transport: %+v", ps)
	}
	if echo.sent.Load() > n+1 {
		t.Errorf("echo probes still sent after SetEchoTransport(nil)")
	}
}

// failingEcho is a transport whose sends always fail (no route, socket
// closed, ...).
type failingEcho struct{}

func (failingEcho) SendEcho(Target, uint16) error {
	return errors.New("sendto: network is unreachable")
}

func TestProberEchoSendErrorsAreLosses(t *testing.T) {
	requireRoot(t)
	s := DefaultSettings()
	s.Interval = 50 * time.Millisecond
	p, _ := newTestProber(t, s)
	p.SetEchoTransport(failingEcho{})
	if err := p.SetTargets([]Target{{1, "lo", loop4}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "5 failed echoes", func() bool {
		ps, _ := peerStats(p, 1)
		return ps.Echo.Lost >= 5 && ps.ICMP.Up
	})
	ps, _ := peerStats(p, 1)
	if ps.Up || ps.Echo.Up || ps.Echo.Received != 0 || ps.Echo.Sent != ps.Echo.Lost+uint64(ps.Echo.Pending) {
		t.Errorf("failed echoes not counted as losses: up %v echo %+v", ps.Up, ps.Echo)
	}
}

// TestProberGenerationsAreSeamless makes pro-bing generations tiny so that
// the test sees several hand-overs, and checks that no probe is lost and
// no sequence number is counted twice across them.
func TestProberGenerationsAreSeamless(t *testing.T) {
	requireRoot(t)
	s := DefaultSettings()
	s.Interval = 20 * time.Millisecond
	p, _ := newTestProber(t, s)
	p.genSize = 8
	if err := p.SetTargets([]Target{{1, "lo", loop4}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "40 probes answered", func() bool {
		ps, _ := peerStats(p, 1)
		return ps.ICMP.Received >= 40
	})
	ps, _ := peerStats(p, 1)
	st := ps.ICMP
	if st.Lost != 0 || st.Stray != 0 || st.Duplicates != 0 || st.Late != 0 || !ps.Up {
		t.Errorf("hand-over disturbed the statistics: %+v", st)
	}
	if st.LastChange.IsZero() || ps.ICMP.Sent != st.Received+uint64(st.Pending) {
		t.Errorf("inconsistent counters: %+v", st)
	}
}

func TestProberNewAndClose(t *testing.T) {
	requireRoot(t)
	reg := prometheus.NewRegistry()
	if _, err := New("self", Settings{}, nil, reg); err == nil || !strings.Contains(err.Error(), "probe.interval") {
		t.Errorf("New with zero settings: %v, want an error naming probe.interval", err)
	}
	if _, err := New("bad name", DefaultSettings(), nil, reg); err == nil || !strings.Contains(err.Error(), "self") {
		t.Errorf("New with a bad self name: %v", err)
	}
	p, err := New("self", DefaultSettings(), nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New("self", DefaultSettings(), nil, reg); err == nil {
		t.Error("a second Prober with the same pop registered the same metrics")
	}
	if err := p.SetTargets([]Target{{1, "lo", loop4}}); err != nil {
		t.Fatal(err)
	}
	p.Close()
	p.Close()
	if _, open := <-p.Changes(); open {
		// A pending notification may be buffered; the channel must close after it.
		if _, open := <-p.Changes(); open {
			t.Error("Changes not closed by Close")
		}
	}
	if err := p.SetTargets(nil); err == nil {
		t.Error("SetTargets after Close succeeded")
	}
	p2, err := New("self", DefaultSettings(), nil, reg)
	if err != nil {
		t.Fatalf("New after Close with the same registry: %v", err)
	}
	p2.Close()
}

// BenchmarkEchoReply measures the path of one echo reply through the
// Prober (peer lookup, tracker, metrics, change detection), as the lead's
// overlay receive loop calls it.
func BenchmarkEchoReply(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("skipping: needs root for raw ICMP sockets")
	}
	p, err := New("self", DefaultSettings(), nil, prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	if err := p.SetTargets([]Target{{1, "lo", loop4}}); err != nil {
		b.Fatal(err)
	}
	pr := p.peers[1]
	now := time.Now()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		seq := uint16(i)
		pr.mu.Lock()
		pr.echo.Sent(seq, now)
		pr.mu.Unlock()
		p.EchoReply(1, seq, now.Add(time.Millisecond))
		now = now.Add(200 * time.Millisecond)
	}
}
