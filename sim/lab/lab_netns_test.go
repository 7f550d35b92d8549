package lab

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/argonet/argo/sim/fabric"
)

func TestMain(m *testing.M) {
	fabric.MaybeForwarder() // NewFabric re-executes this test binary
	os.Exit(m.Run())
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: creates network namespaces, needs root")
	}
}

const topoScenario = `name: topo
duration: 10s
pops: [{name: a, id: 1}, {name: b, id: 2}, {name: c, id: 3}]
links:
  default: {delay: 20ms}
  pairs: [{from: a, to: b, rtt: 30ms, symmetric: true}]
clients: [{name: ca, pop: a}]
origins: [{name: ob, pop: b, prefix: 203.0.113.0/24}]
`

// rttRE reads ping's summary line.
var rttRE = regexp.MustCompile(`= ([0-9.]+)/([0-9.]+)/([0-9.]+)/`)

// ping pings addr from namespace ns and returns the average RTT in ms.
func ping(t *testing.T, ns, addr string) float64 {
	t.Helper()
	out, err := exec.Command("ip", "netns", "exec", ns, "ping", "-c", "3", "-i", "0.2", "-W", "2", addr).CombinedOutput()
	if err != nil {
		t.Fatalf("ping %s from %s: %v\n%s", addr, ns, err, out)
	}
	m := rttRE.FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("ping output: %s", out)
	}
	v, _ := strconv.ParseFloat(m[2], 64)
	return v
}

// TestUpBuildsTheWorld: Up creates the namespaces, the fabric links with
// their delays, clients and origins behind their PoPs; Close removes all
// of it.
func TestUpBuildsTheWorld(t *testing.T) {
	needRoot(t)
	l, err := Up(context.Background(), parse(t, topoScenario), Options{Argod: "/bin/true", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			l.Close()
		}
	})
	p := l.Plan
	a, _ := p.Pop("a")
	b, _ := p.Pop("b")
	c, _ := p.Pop("c")
	ca, _ := p.Client("ca")
	ob, _ := p.Origin("ob")
	if rtt := ping(t, a.Netns, b.Underlay.Addr().String()); rtt < 29 || rtt > 40 {
		t.Errorf("a→b RTT %.1f ms, want 30 (configured)", rtt)
	}
	if rtt := ping(t, a.Netns, c.Underlay.Addr().String()); rtt < 39 || rtt > 50 {
		t.Errorf("a→c RTT %.1f ms, want 40 (default)", rtt)
	}
	if rtt := ping(t, ca.Netns, ca.Gateway.String()); rtt > 5 {
		t.Errorf("client→PoP RTT %.1f ms", rtt)
	}
	if rtt := ping(t, b.Netns, ob.Addr.String()); rtt > 5 {
		t.Errorf("PoP→origin RTT %.1f ms", rtt)
	}
	for _, f := range []string{a.Config, a.Key, filepath.Join(p.Dir, "gossip.key")} {
		if st, err := os.Stat(f); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if len(l.Configs) != 3 || l.Configs[1].Resolved.Prefixes[0].String() != "203.0.113.0/24" {
		t.Errorf("configs %v", l.Configs)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	closed = true
	out, _ := exec.Command("ip", "netns", "list").Output()
	if strings.Contains(string(out), p.ID) {
		t.Errorf("namespaces left after Close:\n%s", out)
	}
	if _, err := os.Stat(p.Dir); !os.IsNotExist(err) {
		t.Errorf("work directory left: %v", err)
	}
}

// TestStartFailure: an argod that exits at once is reported with its exit
// status, quickly; Running says so.
func TestStartFailure(t *testing.T) {
	needRoot(t)
	l, err := Up(context.Background(), parse(t, topoScenario), Options{Argod: "/bin/false"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	start := time.Now()
	err = l.Start(context.Background(), "a")
	if err == nil || !strings.Contains(err.Error(), "exited at start") || time.Since(start) > 5*time.Second {
		t.Fatalf("Start of a failing argod: %v after %v", err, time.Since(start))
	}
	if running, _ := l.Running("a"); running {
		t.Error("Running after exit")
	}
	if err := l.Kill("a"); err == nil {
		t.Error("Kill of a dead argod succeeded")
	}
}

// TestUpRejectsBadArgod: a missing argod binary fails before anything is
// built.
func TestUpRejectsBadArgod(t *testing.T) {
	_, err := Up(context.Background(), parse(t, topoScenario), Options{Argod: "/nonexistent/argod"})
	if err == nil || !strings.Contains(err.Error(), "not an executable") {
		t.Fatalf("Up: %v", err)
	}
}
