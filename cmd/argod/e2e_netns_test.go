package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/curve25519"

	"github.com/argonet/argo/api"
)

// This file holds the network-namespace harness for tests that run real
// argod processes: one namespace per PoP, all joined by a bridge in a hub
// namespace, addresses from 198.18.100.0/24.

// cluster is a set of PoP namespaces running argod.
type cluster struct {
	t       *testing.T
	tag     string // unique per test run
	dir     string
	argod   string // path of the built binary
	argctl  string
	pops    []*pop
	hub     string
	secret  string   // gossip key file
	extraNS []string // namespaces added with addHost
}

// pop is one PoP of the cluster.
type pop struct {
	id      uint16
	name    string
	ns      string
	addr    string
	sock    string
	cfgPath string
	logPath string
	pub     string
	priv    string
	cmd     *exec.Cmd
	done    chan struct{}
	mu      sync.Mutex
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: network-namespace test needs root (run make test as root)")
	}
}

func sh(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// buildBinaries compiles argod and argoctl once per test binary.
var buildOnce struct {
	sync.Once
	dir string
	err error
}

func binaries(t *testing.T) (argod, argoctl string) {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "argo-e2e-bin-")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.dir = dir
		for _, p := range []string{"argod", "argoctl"} {
			out, err := exec.Command("go", "build", "-o", filepath.Join(dir, p), "github.com/argonet/argo/cmd/"+p).CombinedOutput()
			if err != nil {
				buildOnce.err = fmt.Errorf("go build %s: %v\n%s", p, err, out)
				return
			}
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return filepath.Join(buildOnce.dir, "argod"), filepath.Join(buildOnce.dir, "argoctl")
}

func genKey(t *testing.T) (priv, pub string) {
	t.Helper()
	var k [32]byte
	if _, err := rand.Read(k[:]); err != nil {
		t.Fatal(err)
	}
	k[0] &= 248
	k[31] = (k[31] & 127) | 64
	p, err := curve25519.X25519(k[:], curve25519.Basepoint)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(k[:]), base64.StdEncoding.EncodeToString(p)
}

// newCluster creates n PoP namespaces on one bridge and writes their configs.
// extra is appended to every config.
func newCluster(t *testing.T, names []string, extra string) *cluster {
	needRoot(t)
	argod, argoctl := binaries(t)
	tag := fmt.Sprintf("%x", time.Now().UnixNano()&0xffffff)
	c := &cluster{t: t, tag: tag, dir: t.TempDir(), argod: argod, argctl: argoctl, hub: "ae2e-" + tag + "-hub"}
	t.Cleanup(c.destroy)
	sh(t, "ip", "netns", "add", c.hub)
	sh(t, "ip", "-n", c.hub, "link", "add", "br0", "type", "bridge")
	sh(t, "ip", "-n", c.hub, "link", "set", "br0", "up")
	secret := make([]byte, 32)
	rand.Read(secret)
	secretPath := filepath.Join(c.dir, "gossip.key")
	os.WriteFile(secretPath, []byte(base64.StdEncoding.EncodeToString(secret)+"\n"), 0o600)
	for i, n := range names {
		p := &pop{id: uint16(i + 1), name: n, ns: fmt.Sprintf("ae2e-%s-%s", tag, n), addr: fmt.Sprintf("198.18.100.%d", i+1)}
		p.sock = filepath.Join(c.dir, n+".sock")
		p.cfgPath = filepath.Join(c.dir, n+".yaml")
		p.logPath = filepath.Join(c.dir, n+".log")
		c.pops = append(c.pops, p)
		sh(t, "ip", "netns", "add", p.ns)
		veth := fmt.Sprintf("ae%s%d", tag, i)
		sh(t, "ip", "link", "add", veth, "type", "veth", "peer", "name", veth+"p")
		sh(t, "ip", "link", "set", veth, "netns", p.ns)
		sh(t, "ip", "link", "set", veth+"p", "netns", c.hub)
		sh(t, "ip", "-n", c.hub, "link", "set", veth+"p", "master", "br0", "up")
		sh(t, "ip", "-n", p.ns, "link", "set", veth, "name", "eth0")
		sh(t, "ip", "-n", p.ns, "addr", "add", p.addr+"/24", "dev", "eth0")
		sh(t, "ip", "-n", p.ns, "link", "set", "eth0", "up")
		sh(t, "ip", "-n", p.ns, "link", "set", "lo", "up")
	}
	for _, p := range c.pops {
		priv, pub := genKey(t)
		p.priv, p.pub = priv, pub
	}
	c.secret = secretPath
	for _, p := range c.pops {
		c.writeConfig(p, c.pops, extra)
	}
	return c
}

// writeConfig writes p's configuration listing peers (p itself is skipped)
// with extra YAML appended ("{{name}}" in it becomes p's name).
func (c *cluster) writeConfig(p *pop, peers []*pop, extra string) {
	c.t.Helper()
	keyPath := filepath.Join(c.dir, p.name+".wgkey")
	if err := os.WriteFile(keyPath, []byte(p.priv+"\n"), 0o600); err != nil {
		c.t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "pop: {id: %d, name: %s}\nunderlay: [%s]\n", p.id, p.name, p.addr)
	fmt.Fprintf(&b, "overlay: {interface: ae%s%s, private_key_file: %s}\n", c.tag, p.name, keyPath)
	fmt.Fprintf(&b, "gossip: {secret_file: %s}\n", c.secret)
	fmt.Fprintf(&b, "api: {socket: %s}\nmetrics: {listen: \"off\"}\nlog: {level: debug}\nstate_dir: %s\npeers:\n", p.sock, c.dir)
	for _, q := range peers {
		if q != p {
			fmt.Fprintf(&b, "  - {id: %d, name: %s, underlay: [%s], public_key: %q}\n", q.id, q.name, q.addr, q.pub)
		}
	}
	b.WriteString(strings.ReplaceAll(extra, "{{name}}", p.name))
	if err := os.WriteFile(p.cfgPath, []byte(b.String()), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

// addHost adds a namespace on the cluster's bridge with address
// 198.18.100.<octet>/24 and returns its name.
func (c *cluster) addHost(name string, octet int) string {
	c.t.Helper()
	ns := fmt.Sprintf("ae2e-%s-%s", c.tag, name)
	veth := fmt.Sprintf("ae%sh%d", c.tag, octet)
	sh(c.t, "ip", "netns", "add", ns)
	c.extraNS = append(c.extraNS, ns)
	sh(c.t, "ip", "link", "add", veth, "type", "veth", "peer", "name", veth+"p")
	sh(c.t, "ip", "link", "set", veth, "netns", ns)
	sh(c.t, "ip", "link", "set", veth+"p", "netns", c.hub)
	sh(c.t, "ip", "-n", c.hub, "link", "set", veth+"p", "master", "br0", "up")
	sh(c.t, "ip", "-n", ns, "link", "set", veth, "name", "eth0")
	sh(c.t, "ip", "-n", ns, "addr", "add", fmt.Sprintf("198.18.100.%d/24", octet), "dev", "eth0")
	sh(c.t, "ip", "-n", ns, "link", "set", "eth0", "up")
	sh(c.t, "ip", "-n", ns, "link", "set", "lo", "up")
	return ns
}

// start launches p's argod inside its namespace.
func (c *cluster) start(p *pop) {
	c.t.Helper()
	logf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		c.t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", p.ns, c.argod, "--config", p.cfgPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(done) }()
	p.mu.Lock()
	p.cmd, p.done = cmd, done
	p.mu.Unlock()
}

// signal sends sig to p's argod without waiting.
func (c *cluster) signal(p *pop, sig os.Signal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		p.cmd.Process.Signal(sig)
	}
}

// kill sends sig to p's argod and waits for it to exit.
func (c *cluster) kill(p *pop, sig os.Signal) {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

func (c *cluster) destroy() {
	var wg sync.WaitGroup
	for _, p := range c.pops {
		wg.Add(1)
		go func() { defer wg.Done(); c.kill(p, os.Interrupt) }()
	}
	wg.Wait()
	for _, p := range c.pops {
		if c.t.Failed() {
			if b, err := os.ReadFile(p.logPath); err == nil {
				if dir := os.Getenv("ARGO_TEST_LOGS"); dir != "" {
					name := strings.ReplaceAll(c.t.Name(), "/", "_")
					os.WriteFile(filepath.Join(dir, name[:min(len(name), 40)]+"-"+p.name+".log"), b, 0o644)
				}
				c.t.Logf("---- log of %s ----\n%s", p.name, tail(importantLines(string(b)), 60))
			}
		}
	}
	for _, p := range c.pops {
		exec.Command("ip", "netns", "del", p.ns).Run()
	}
	for _, ns := range c.extraNS {
		exec.Command("ip", "netns", "del", ns).Run()
	}
	exec.Command("ip", "netns", "del", c.hub).Run()
}

// importantLines drops wireguard-go's and memberlist's debug chatter.
func importantLines(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "sub=tunnel") && strings.Contains(l, "level=DEBUG") || strings.Contains(l, "[DEBUG] memberlist") {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// ctl runs argoctl against p and decodes its JSON output into out.
func (c *cluster) ctl(p *pop, out any, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.argctl, append([]string{"--socket", p.sock}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("argoctl %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

func (c *cluster) links(p *pop) ([]api.Link, error) {
	var l []api.Link
	err := c.ctl(p, &l, "links", "-o", "json")
	return l, err
}

func (c *cluster) paths(p *pop) ([]api.Route, error) {
	var r []api.Route
	err := c.ctl(p, &r, "paths", "-o", "json")
	return r, err
}

// waitFor polls cond until it returns nil or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() error) time.Duration {
	t.Helper()
	start := time.Now()
	var err error
	for time.Since(start) < d {
		if err = cond(); err == nil {
			return time.Since(start)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: not within %v: %v", what, d, err)
	return 0
}
