package main

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/argonet/argo/api"
)

// TestFourPoPs runs four real argod processes in network namespaces (real
// ICMP, real gossip) and checks the control plane end to end: every daemon
// learns all 12 directed links and routes to the 3 others within 5 s; after
// kill -9 of one daemon the others mark its links down and route around it
// within 1 s; after its restart it is back within 5 s.
func TestFourPoPs(t *testing.T) {
	// Bias a's direct links so that a reaches c through b: then killing b
	// must move a's route to c onto another path.
	bias := "path:\n  hysteresis_hold: 1s\n  bias:\n    - {from: a, to: c, cost: 50ms}\n    - {from: a, to: d, cost: 20ms}\n"
	c := newCluster(t, []string{"a", "b", "c", "d"}, bias)
	for _, p := range c.pops {
		c.start(p)
	}
	a, b := c.pops[0], c.pops[1]

	took := waitFor(t, 5*time.Second, "full graph and routes at every PoP", func() error {
		for _, p := range c.pops {
			if err := c.fullView(p); err != nil {
				return err
			}
		}
		return nil
	})
	t.Logf("converged %v after start", took)

	// The relay path wins over the biased direct link once it has held
	// for the hysteresis time.
	waitFor(t, 5*time.Second, "a routes to c relayed by b", func() error {
		routes, err := c.paths(a)
		if err != nil {
			return err
		}
		if r := find(routes, "c"); len(r.Path) < 3 || r.Path[1] != "b" {
			return fmt.Errorf("a's path to c is %v (%s), want one relayed by b", r.Path, r.Reason)
		}
		return nil
	})

	for _, args := range [][]string{{"paths"}, {"links"}, {"status"}} {
		out, err := exec.Command(c.argctl, append([]string{"--socket", a.sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("argoctl %v: %v\n%s", args, err, out)
		}
		t.Logf("$ argoctl %s\n%s", strings.Join(args, " "), out)
	}

	// kill -9 b: every other PoP marks its own link to b down and routes
	// around b within 1 s; the gossiped links to b follow shortly after.
	c.kill(b, syscall.SIGKILL)
	killed := time.Now()
	took = waitFor(t, 1500*time.Millisecond, "b's links down and routes around b", func() error {
		for _, p := range c.pops {
			if p == b {
				continue
			}
			links, err := c.links(p)
			if err != nil {
				return err
			}
			for _, l := range links {
				if l.To == "b" && l.Up && l.Source == "local" {
					return fmt.Errorf("%s still sees its link %s→b up", p.name, l.From)
				}
			}
			routes, err := c.paths(p)
			if err != nil {
				return err
			}
			for _, r := range routes {
				if r.Dst != "b" && (!r.Reachable || slices.Contains(r.Path, "b")) {
					return fmt.Errorf("%s: route to %s is %v (reachable %v)", p.name, r.Dst, r.Path, r.Reachable)
				}
			}
		}
		return nil
	})
	t.Logf("b's links down and routes around b %v after kill -9", took)
	if took > time.Second {
		t.Errorf("failover took %v, want at most 1s", took)
	}
	took = waitFor(t, 3*time.Second, "every link to b down in every view", func() error {
		for _, p := range c.pops {
			if p == b {
				continue
			}
			links, err := c.links(p)
			if err != nil {
				return err
			}
			for _, l := range links {
				if l.To == "b" && l.Up {
					return fmt.Errorf("%s still sees %s→b up", p.name, l.From)
				}
			}
		}
		return nil
	})
	t.Logf("every view has every link to b down %v after kill -9", time.Since(killed))
	routes, _ := c.paths(a)
	t.Logf("a → c after the kill: %v (%s)", find(routes, "c").Path, find(routes, "c").Reason)

	// restart b: back in everyone's view within 5 s.
	c.start(b)
	took = waitFor(t, 5*time.Second, "b back in every view", func() error {
		for _, p := range c.pops {
			if err := c.fullView(p); err != nil {
				return err
			}
		}
		return nil
	})
	t.Logf("b back %v after restart", took)
}

// fullView checks that p sees all directed links up and a route to every
// other PoP.
func (c *cluster) fullView(p *pop) error {
	links, err := c.links(p)
	if err != nil {
		return err
	}
	up := map[[2]string]bool{}
	for _, l := range links {
		if l.Up {
			up[[2]string{l.From, l.To}] = true
		}
	}
	for _, x := range c.pops {
		for _, y := range c.pops {
			if x != y && !up[[2]string{x.name, y.name}] {
				return fmt.Errorf("%s: link %s→%s not up (%d links up)", p.name, x.name, y.name, len(up))
			}
		}
	}
	routes, err := c.paths(p)
	if err != nil {
		return err
	}
	if len(routes) != len(c.pops)-1 {
		return fmt.Errorf("%s: %d routes, want %d", p.name, len(routes), len(c.pops)-1)
	}
	for _, r := range routes {
		if !r.Reachable {
			return fmt.Errorf("%s: %s unreachable", p.name, r.Dst)
		}
	}
	return nil
}

func find(routes []api.Route, dst string) api.Route {
	for _, r := range routes {
		if r.Dst == dst {
			return r
		}
	}
	return api.Route{}
}

// TestCheckConfig runs argod --check-config on good and bad files.
func TestCheckConfig(t *testing.T) {
	var out, errb strings.Builder
	for _, good := range []string{"../../config/testdata/valid.yaml", "../../dist/argod.example.yaml"} {
		if rc := run([]string{"--check-config", good}, &out, &errb); rc != 0 {
			t.Fatalf("%s: rc %d: %s", good, rc, errb.String())
		}
	}
	bad := t.TempDir() + "/bad.yaml"
	os.WriteFile(bad, []byte("pop: {id: 1, name: a}\nunderlay: [198.18.0.1]\nprobe: {interval: 1ms}\ngossip: {secret_file: /x}\noverlay: {private_key_file: /x}\n"), 0o600)
	out.Reset()
	errb.Reset()
	if rc := run([]string{"--check-config", bad}, &out, &errb); rc != 2 {
		t.Fatalf("bad config: rc %d, want 2", rc)
	}
	if want := bad + ":3: probe.interval"; !strings.Contains(errb.String(), want) {
		t.Errorf("error %q does not name %q", errb.String(), want)
	}
	errb.Reset()
	if rc := run([]string{"--config", bad}, &out, &errb); rc != 2 {
		t.Fatalf("argod with bad config: rc %d, want 2", rc)
	}
}
