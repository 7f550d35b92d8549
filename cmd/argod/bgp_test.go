package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/argonet/argo/api"
)

// bird is a BIRD 2 router in its own namespace on the cluster's bridge.
type bird struct {
	t    *testing.T
	ns   string
	sock string
}

// startBird runs BIRD at 198.18.100.254 (AS 65000) peering with pops.
func startBird(t *testing.T, c *cluster, pops []*pop) *bird {
	if _, err := exec.LookPath("bird"); err != nil {
		t.Fatalf("BIRD 2 is required (Debian package bird2, installed by make deps): %v", err)
	}
	b := &bird{t: t, ns: c.addHost("rtr", 254), sock: filepath.Join(c.dir, "bird.ctl")}
	var conf strings.Builder
	fmt.Fprintf(&conf, "log %q all;\nrouter id 198.18.100.254;\nprotocol device { scan time 1; }\n", filepath.Join(c.dir, "bird.log"))
	for _, p := range pops {
		fmt.Fprintf(&conf, "protocol bgp p%s {\n  local 198.18.100.254 as 65000;\n  neighbor %s as 65001;\n", p.name, p.addr)
		conf.WriteString("  hold time 3; keepalive time 1; connect retry time 1; connect delay time 1; error wait time 1, 2;\n")
		conf.WriteString("  ipv4 { import all; export none; };\n}\n")
	}
	path := filepath.Join(c.dir, "bird.conf")
	if err := os.WriteFile(path, []byte(conf.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", b.ns, "bird", "-f", "-c", path, "-s", b.sock)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitFor(t, 10*time.Second, "BIRD control socket", func() error { _, err := b.birdc("show", "status"); return err })
	return b
}

func (b *bird) birdc(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "birdc", append([]string{"-s", b.sock}, args...)...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("birdc %v: %v: %s", args, err, out)
	}
	return string(out), nil
}

// anycast returns, per BGP protocol of BIRD, the AS path of its route for
// 192.0.2.0/24 (parsed from `birdc show route all`).
func (b *bird) anycast() (map[string]string, error) {
	out, err := b.birdc("show", "route", "for", "192.0.2.0/24", "all")
	routes := map[string]string{}
	if err != nil && strings.Contains(err.Error(), "Network not found") {
		return routes, nil
	}
	if err != nil {
		return nil, err
	}
	proto := ""
	for _, line := range strings.Split(out, "\n") {
		if i := strings.Index(line, "["); i >= 0 && strings.Contains(line, " unicast ") {
			f := strings.Fields(line[i+1:])
			proto = f[0]
			routes[proto] = ""
		}
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "BGP.as_path:") && proto != "" {
			routes[proto] = strings.TrimSpace(strings.TrimPrefix(t, "BGP.as_path:"))
		}
	}
	return routes, nil
}

// established reports whether BIRD's session with p is up.
func (b *bird) established(p *pop) bool {
	out, _ := b.birdc("show", "protocols", "p"+p.name)
	return strings.Contains(out, "Established")
}

// TestBGPAnycast runs BIRD 2 peering with two real argods and checks the
// anycast announcement end to end: health gating with hold-down, drain with
// AS-path prepend and grace, drain surviving a restart, and the withdrawal
// on SIGTERM reaching BIRD before argod exits.
func TestBGPAnycast(t *testing.T) {
	extra := `bgp:
  asn: 65001
  listen_port: -1
  hold_down: 2s
  drain_prepend: 3
  drain_grace: 3s
  state_file: ` + "{{dir}}" + `/{{name}}-bgp.json
  neighbors: [{address: 198.18.100.254, asn: 65000, hold_time: 3s, keepalive: 1s, connect_retry: 1s}]
  anycast: [{prefix: 192.0.2.0/24, communities: ["65001:100"]}]
`
	c := newCluster(t, []string{"a", "b"}, strings.ReplaceAll(extra, "{{dir}}", os.TempDir()+"/argo-bgp-"+fmt.Sprint(os.Getpid())))
	os.MkdirAll(os.TempDir()+"/argo-bgp-"+fmt.Sprint(os.Getpid()), 0o700)
	t.Cleanup(func() { os.RemoveAll(os.TempDir() + "/argo-bgp-" + fmt.Sprint(os.Getpid())) })
	a := c.pops[0]
	br := startBird(t, c, c.pops)
	for _, p := range c.pops {
		c.start(p)
	}
	routes := func() map[string]string {
		r, err := br.anycast()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	waitFor(t, 20*time.Second, "anycast route via a and b in BIRD", func() error {
		if r := routes(); len(r) != 2 {
			return fmt.Errorf("BIRD routes for 192.0.2.0/24: %v", r)
		}
		return nil
	})
	out, _ := br.birdc("show", "route", "for", "192.0.2.0/24", "all")
	t.Logf("$ birdc show route for 192.0.2.0/24 all\n%s", out)

	// Break a's health: its overlay links to b are cut.
	sh(t, "ip", "-n", a.ns, "route", "add", "blackhole", "198.18.100.2/32")
	cut := time.Now()
	took := waitFor(t, 4*time.Second, "route via a withdrawn", func() error {
		if _, ok := routes()["pa"]; ok {
			return fmt.Errorf("still there")
		}
		return nil
	})
	t.Logf("a unhealthy: route via a gone from BIRD %v after its links were cut (detection ≤ 1 s + 1 s allowed)", took)
	if took > 2*time.Second {
		t.Errorf("withdrawal took %v, want at most detection (1 s) + 1 s", took)
	}
	_ = cut
	sh(t, "ip", "-n", a.ns, "route", "del", "blackhole", "198.18.100.2/32")
	restored := time.Now()
	var healthyAt time.Time
	waitFor(t, 10*time.Second, "route via a back", func() error {
		if healthyAt.IsZero() {
			var s api.Status
			if c.ctl(a, &s, "status", "-o", "json") == nil && s.Healthy {
				healthyAt = time.Now()
			}
		}
		if _, ok := routes()["pa"]; !ok {
			return fmt.Errorf("not yet")
		}
		return nil
	})
	back := time.Now()
	t.Logf("a healthy again %v after restore; route back %v after restore", healthyAt.Sub(restored), back.Sub(restored))
	if healthyAt.IsZero() || back.Sub(healthyAt) < 1900*time.Millisecond {
		t.Errorf("route came back %v after a became healthy, want the 2 s hold-down", back.Sub(healthyAt))
	}

	// Drain: prepended first, withdrawn after the 3 s grace.
	drained := time.Now()
	if err := c.ctl(a, nil, "drain"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "prepended AS path via a", func() error {
		if p := routes()["pa"]; p != "65001 65001 65001 65001" {
			return fmt.Errorf("AS path via a %q", p)
		}
		return nil
	})
	waitFor(t, 6*time.Second, "route via a withdrawn after the grace", func() error {
		if _, ok := routes()["pa"]; ok {
			return fmt.Errorf("still there")
		}
		return nil
	})
	t.Logf("drain: prepended at once, withdrawn %v after drain (grace 3 s)", time.Since(drained))
	if time.Since(drained) < 2900*time.Millisecond {
		t.Errorf("withdrawn before the grace period")
	}

	// A restart while drained stays drained.
	c.kill(a, syscall.SIGTERM)
	c.start(a)
	waitFor(t, 10*time.Second, "a back up", func() error { return c.fullView(a) })
	time.Sleep(3 * time.Second) // longer than the hold-down
	if _, ok := routes()["pa"]; ok {
		t.Fatal("a restarted while drained announces again")
	}
	var b api.BGP
	if err := c.ctl(a, &b, "bgp", "-o", "json"); err != nil || b.Drain != "drained" {
		t.Fatalf("after restart: drain %q, err %v", b.Drain, err)
	}
	if err := c.ctl(a, nil, "undrain"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 6*time.Second, "route via a back after undrain", func() error {
		if p, ok := routes()["pa"]; !ok || p != "65001" {
			return fmt.Errorf("route via a: %q %v", p, ok)
		}
		return nil
	})
	table, _ := exec.Command(c.argctl, "--socket", a.sock, "bgp").CombinedOutput()
	t.Logf("$ argoctl bgp\n%s", table)

	// SIGTERM: BIRD sees the withdrawal while the session is still up,
	// i.e. before argod closes it and exits.
	withdrawnLive := make(chan bool, 1)
	go func() {
		for i := 0; i < 300; i++ {
			_, ok := routes()["pa"]
			if !ok {
				withdrawnLive <- br.established(a)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		withdrawnLive <- false
	}()
	c.kill(a, syscall.SIGTERM)
	if !<-withdrawnLive {
		t.Error("a's route was not withdrawn while its BGP session was still established")
	}
}
