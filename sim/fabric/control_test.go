package fabric

import (
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// delivered sends 20 datagrams i -> j and returns how many arrived.
func delivered(t *testing.T, tn *testNet, i, j, port int) uint64 {
	t.Helper()
	r := tn.receive(t, j, port, 20)
	tn.blastN(t, i, j, port, 64, 20, 20*time.Millisecond)
	time.Sleep(50 * time.Millisecond)
	r.stop()
	return r.count.Load()
}

// TestCutRestore: cuts take effect at once, per direction or both, and
// Restore brings back the link with the parameters it had.
func TestCutRestore(t *testing.T) {
	tn := newTestNet(t, 2)
	warmup(t, tn, 0, 1)
	params := LinkParams{Delay: 3 * time.Millisecond}
	if err := tn.f.SetLink("a", "b", params); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name       string
		do         func() error
		wantAB     uint64
		wantBA     uint64
		wantABDown bool
	}{
		{"up", func() error { return nil }, 20, 20, false},
		{"cut a->b", func() error { return tn.f.Cut("a", "b", false) }, 0, 20, true},
		{"restore a->b", func() error { return tn.f.Restore("a", "b", false) }, 20, 20, false},
		{"cut both", func() error { return tn.f.Cut("b", "a", true) }, 0, 0, true},
		{"default changes while cut", func() error { return tn.f.SetDefault(LinkParams{Delay: time.Millisecond}) }, 0, 0, true},
		{"restore both", func() error { return tn.f.Restore("a", "b", true) }, 20, 20, false},
	}
	for k, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		ab := delivered(t, tn, 0, 1, 9100+2*k)
		ba := delivered(t, tn, 1, 0, 9101+2*k)
		if ab != s.wantAB || ba != s.wantBA {
			t.Fatalf("%s: delivered a->b %d b->a %d, want %d and %d", s.name, ab, ba, s.wantAB, s.wantBA)
		}
		p, err := tn.f.Link("a", "b")
		if err != nil {
			t.Fatal(err)
		}
		if p.Down != s.wantABDown || p.Delay != params.Delay {
			t.Fatalf("%s: Link(a, b) = %+v", s.name, p)
		}
	}
	ls, _ := tn.f.LinkStats("a", "b")
	if ls.Cut != 60 { // three steps with a->b down
		t.Errorf("a->b counted %d cut frames, want 60", ls.Cut)
	}
}

// TestRuntimeChange: changing a link's delay takes effect without restart.
func TestRuntimeChange(t *testing.T) {
	tn := newTestNet(t, 2)
	p := tn.newPinger(t, 0, 1)
	for k, d := range []time.Duration{5 * time.Millisecond, 30 * time.Millisecond, 0} {
		if err := tn.f.SetLink("a", "b", LinkParams{Delay: d}); err != nil {
			t.Fatal(err)
		}
		rtt, ok := p.ping(uint16(100 + k))
		if !ok {
			t.Fatalf("delay %v: no reply", d)
		}
		if rtt < d || rtt > d+2*time.Millisecond {
			t.Fatalf("delay %v: RTT %v", d, rtt)
		}
	}
}

// TestStatsAndMetrics: ARP is answered, IPv6 noise is counted, and the
// Prometheus collector exports the link counters.
func TestStatsAndMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	tn := newTestNet(t, 3, WithRegisterer(reg))
	warmup(t, tn, 0, 2)
	st, err := tn.f.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.ARPReplies < 2 {
		t.Errorf("ARP replies %d, want >= 2", st.ARPReplies)
	}
	if len(st.Links) != 6 {
		t.Errorf("%d links, want 6", len(st.Links))
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found, series := false, 0
	for _, mf := range mfs {
		if mf.GetName() != "argosim_fabric_link_packets_total" {
			continue
		}
		series += len(mf.GetMetric())
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["from"] == "a" && labels["to"] == "c" && labels["result"] == "forwarded" && m.GetCounter().GetValue() >= 1 {
				found = true
			}
		}
	}
	if !found {
		t.Error("no forwarded frames a->c in the metrics")
	}
	if series != 6*5 {
		t.Errorf("%d link packet series, want 30", series)
	}
}

// TestCloseRemovesEverything: Close deletes the fabric namespace and the
// PoP-side interfaces, and ends the forwarder process.
func TestCloseRemovesEverything(t *testing.T) {
	tn := newTestNet(t, 2)
	f := tn.f
	pid := f.cmd.Process.Pid
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := os.Stat(filepath.Join(netnsDir, f.NetnsName())); !os.IsNotExist(err) {
		t.Errorf("fabric netns still there: %v", err)
	}
	h, err := netns.GetFromName(tn.ns[0])
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	nl, err := netlink.NewHandleAt(h)
	if err != nil {
		t.Fatal(err)
	}
	defer nl.Close()
	if _, err := nl.LinkByName(tn.ifname[0]); err == nil {
		t.Errorf("%s still exists in %s", tn.ifname[0], tn.ns[0])
	}
	if _, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid))); !os.IsNotExist(err) {
		t.Errorf("forwarder process %d still running", pid)
	}
	if _, err := f.AddNode("z", tn.ns[0], netip.MustParsePrefix("198.19.250.9/24")); err == nil {
		t.Error("AddNode after Close succeeded")
	}
}

// TestClean: Clean removes the namespaces of a run that did not close its
// fabric and kills the processes running in them.
func TestClean(t *testing.T) {
	tn := newTestNet(t, 2)
	cmd := exec.Command("ip", "netns", "exec", tn.ns[1], "sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		pids, _ := netnsPids(filepath.Join(netnsDir, tn.ns[1]))
		if len(pids) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("sleep never entered the namespace")
		}
		time.Sleep(10 * time.Millisecond)
	}
	deleted, err := Clean(tn.prefix)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{tn.prefix + "-a", tn.prefix + "-b", tn.prefix + "-fabric"}
	for _, w := range want {
		if !slices.Contains(deleted, w) {
			t.Errorf("Clean deleted %v, missing %s", deleted, w)
		}
		if _, err := os.Stat(filepath.Join(netnsDir, w)); !os.IsNotExist(err) {
			t.Errorf("%s still exists", w)
		}
	}
	select {
	case <-waited:
	case <-time.After(5 * time.Second):
		t.Error("process in the namespace survived Clean")
	}
	if _, err := Clean("ab"); err == nil {
		t.Error("Clean accepted a 2-character prefix")
	}
}

// TestAddNodeErrors: bad input is refused with the field at fault, and a
// refused node leaves nothing behind.
func TestAddNodeErrors(t *testing.T) {
	tn := newTestNet(t, 1)
	cases := []struct {
		name, node, ns, addr, want string
	}{
		{"bad name", "no/slash", tn.ns[0], "198.19.250.2/24", "node name"},
		{"ipv6", "x", tn.ns[0], "2001:db8::1/64", "IPv4"},
		{"duplicate name", "a", tn.ns[0], "198.19.250.2/24", "already attached"},
		{"duplicate address", "x", tn.ns[0], tn.addr[0].String() + "/24", "already used"},
		{"no such netns", "x", tn.prefix + "-nope", "198.19.250.2/24", "netns"},
	}
	for _, c := range cases {
		_, err := tn.f.AddNode(c.node, c.ns, netip.MustParsePrefix(c.addr))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want it to mention %q", c.name, err, c.want)
		}
	}
	if err := tn.f.SetLink("a", "nope", LinkParams{}); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("SetLink to unknown node: %v", err)
	}
	if err := tn.f.SetLink("a", "a", LinkParams{}); err == nil {
		t.Error("SetLink a->a accepted")
	}
	st, err := tn.f.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Links) != 0 {
		t.Errorf("refused nodes left links: %+v", st.Links)
	}
}
