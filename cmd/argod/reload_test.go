package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/argonet/argo/api"
)

// TestReload checks SIGHUP: a peer removed and a weight changed take effect
// without restarting the probes of unchanged peers, and a bad configuration
// is rejected with the old one left in force.
func TestReload(t *testing.T) {
	c := newCluster(t, []string{"a", "b", "c"}, "")
	for _, p := range c.pops {
		c.start(p)
	}
	a, b := c.pops[0], c.pops[1]
	waitFor(t, 10*time.Second, "full view", func() error {
		for _, p := range c.pops {
			if err := c.fullView(p); err != nil {
				return err
			}
		}
		return nil
	})

	// Drop c from a's peers and bias a→b; reload.
	c.writeConfig(a, []*pop{a, b}, "path:\n  bias:\n    - {from: a, to: b, cost: 7ms}\n")
	c.signal(a, syscall.SIGHUP)
	waitFor(t, 3*time.Second, "reload applied", func() error {
		var s api.Status
		if err := c.ctl(a, &s, "status", "-o", "json"); err != nil {
			return err
		}
		if s.Reloads != 1 || s.Peers != 1 {
			return fmt.Errorf("reloads %d, peers %d", s.Reloads, s.Peers)
		}
		routes, err := c.paths(a)
		if err != nil {
			return err
		}
		if len(routes) != 1 || routes[0].Dst != "b" {
			return fmt.Errorf("routes %+v, want only b", routes)
		}
		links, err := c.links(a)
		if err != nil {
			return err
		}
		for _, l := range links {
			if l.From == "a" && l.To == "b" && l.BiasMs != 7 {
				return fmt.Errorf("a→b bias %v, want 7", l.BiasMs)
			}
		}
		return nil
	})
	log, _ := os.ReadFile(a.logPath)
	if n := strings.Count(string(log), `msg="probing peer" pop=a sub=prober component=prober peer=b`); n != 1 {
		t.Errorf("b's probes were started %d times, want once (not restarted by the reload)", n)
	}

	// A bad file is rejected; the previous configuration stays.
	os.WriteFile(a.cfgPath, []byte("pop: {id: 1, name: a}\nbogus: true\n"), 0o600)
	c.signal(a, syscall.SIGHUP)
	waitFor(t, 3*time.Second, "bad reload rejected", func() error {
		var s api.Status
		if err := c.ctl(a, &s, "status", "-o", "json"); err != nil {
			return err
		}
		if !strings.Contains(s.LastReload, "rejected") || !strings.Contains(s.LastReload, "bogus") {
			return fmt.Errorf("last reload %q", s.LastReload)
		}
		if s.Peers != 1 || s.Reloads != 1 {
			return fmt.Errorf("peers %d reloads %d after a rejected reload", s.Peers, s.Reloads)
		}
		return nil
	})
	if routes, err := c.paths(a); err != nil || len(routes) != 1 || !routes[0].Reachable {
		t.Errorf("after rejected reload: routes %+v, err %v", routes, err)
	}
}
