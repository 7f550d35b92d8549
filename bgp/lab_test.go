package bgp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vishvananda/netns"
)

// Tests that start speakers do not run in parallel: GoBGP (v4.8.0 too)
// keeps its route-selection options in package variables that every
// BgpServer writes at start, which the race detector reports when servers
// in one process start while others run (see Speaker). Within a test, all
// speakers are started from the test goroutine before their sessions carry
// routes.
//
// The lab: a router network namespace running BIRD 2, joined by one veth
// pair to the test's own (root) namespace, where the speakers run
// in-process. Addresses: 198.19.<S>.0/24 and 2001:db8:b9<S>::/64 with a
// per-lab <S>; the speakers use .1, .2, .3 (and ::1, ::2, ::3), the router
// .249 to .254 (and ::fe).

const (
	labASNRouter  = 65000
	labASNSpeaker = 65001
)

var (
	labMu    sync.Mutex
	labCount int
	labSweep sync.Once
)

// sweepStaleLabs deletes the namespaces and veth pairs of earlier test
// processes that died before their cleanup ran (a crash, a kill -9); BIRD
// dies with its test process (Pdeathsig).
func sweepStaleLabs() {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], "argobgp-") {
			continue
		}
		parts := strings.Split(f[0], "-")
		if len(parts) != 3 {
			continue
		}
		if !processAlive(parts[1]) {
			// Delete the veth pair first: an orphaned TCP socket can keep
			// the namespace, and with it the pair, alive after "netns del".
			links, _ := exec.Command("ip", "-n", f[0], "-o", "link", "show", "type", "veth").Output()
			for _, l := range strings.Split(string(links), "\n") {
				if lf := strings.Fields(l); len(lf) > 1 {
					name, _, _ := strings.Cut(strings.TrimSuffix(lf[1], ":"), "@")
					exec.Command("ip", "-n", f[0], "link", "del", name).Run()
				}
			}
			exec.Command("ip", "netns", "del", f[0]).Run()
		}
	}
}

// processAlive reports whether the process exists and is not a zombie.
func processAlive(pid string) bool {
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	if errors.Is(err, fs.ErrNotExist) {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	return err != nil || i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

// lab is one router namespace with BIRD.
type lab struct {
	t        *testing.T
	ns       string
	hostIf   string
	routerIf string
	subnet   int
	dir      string
	sock     string
	logs     *lockedBuffer
}

// requireRoot skips the test when not running as root.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces and runs BIRD")
	}
	for _, bin := range []string{"ip", "bird", "birdc"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s not found: install iproute2 and bird2 (Debian packages)", bin)
		}
	}
}

// run runs a command and fails the test on error.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// newLab creates the namespace and the veth pair; cleanup is registered
// before each step so that a failure half-way leaves nothing behind.
func newLab(t *testing.T) *lab {
	requireRoot(t)
	labSweep.Do(sweepStaleLabs)
	labMu.Lock()
	labCount++
	n := labCount
	subnet := -1
	pid := os.Getpid()
	for i := 0; i < 90; i++ {
		s := 160 + (pid/7+n*13+i)%90
		out, _ := exec.Command("ip", "-4", "addr", "show", "to", fmt.Sprintf("198.19.%d.0/24", s)).CombinedOutput()
		if len(bytes.TrimSpace(out)) == 0 {
			subnet = s
			break
		}
	}
	labMu.Unlock()
	if subnet < 0 {
		t.Fatal("no free 198.19.x.0/24 subnet for the lab")
	}
	l := &lab{
		t:        t,
		ns:       fmt.Sprintf("argobgp-%d-%d", pid, n),
		hostIf:   fmt.Sprintf("bgh%d%d", pid%100000, n),
		routerIf: fmt.Sprintf("bgr%d%d", pid%100000, n),
		subnet:   subnet,
		dir:      t.TempDir(),
		logs:     &lockedBuffer{},
	}
	l.sock = filepath.Join(l.dir, "bird.ctl")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("speaker logs:\n%s", l.logs.String())
			if out, err := os.ReadFile(filepath.Join(l.dir, "bird.log")); err == nil {
				t.Logf("BIRD log:\n%s", out)
			}
		}
	})

	t.Cleanup(func() { exec.Command("ip", "netns", "del", l.ns).Run() })
	run(t, "ip", "netns", "add", l.ns)
	t.Cleanup(func() { exec.Command("ip", "link", "del", l.hostIf).Run() })
	run(t, "ip", "link", "add", l.hostIf, "type", "veth", "peer", "name", l.routerIf, "netns", l.ns)
	for _, host := range []byte{1, 2, 3} {
		run(t, "ip", "addr", "add", l.addr(host).String()+"/24", "dev", l.hostIf)
		run(t, "ip", "-6", "addr", "add", l.addr6(host).String()+"/64", "dev", l.hostIf, "nodad")
	}
	run(t, "ip", "link", "set", l.hostIf, "up")
	for _, host := range []byte{254, 253, 252, 251, 250, 249} {
		run(t, "ip", "-n", l.ns, "addr", "add", l.addr(host).String()+"/24", "dev", l.routerIf)
	}
	run(t, "ip", "-n", l.ns, "-6", "addr", "add", l.addr6(254).String()+"/64", "dev", l.routerIf, "nodad")
	run(t, "ip", "-n", l.ns, "link", "set", l.routerIf, "up")
	run(t, "ip", "-n", l.ns, "link", "set", "lo", "up")
	return l
}

// addr is 198.19.<subnet>.host.
func (l *lab) addr(host byte) netip.Addr {
	return netip.AddrFrom4([4]byte{198, 19, byte(l.subnet), host})
}

// addr6 is 2001:db8:b9<subnet>::host.
func (l *lab) addr6(host byte) netip.Addr {
	return netip.MustParseAddr(fmt.Sprintf("2001:db8:b9%02x::%x", l.subnet, host))
}

// speakerConfig is the configuration of speaker host (1 = A, 2 = B) in
// the lab with short timers.
func (l *lab) speakerConfig(host byte) Config {
	return Config{
		ASN:        labASNSpeaker,
		RouterID:   l.addr(host),
		ListenAddr: l.addr(host),
		ListenPort: NoListener,
		Neighbors: []Neighbor{{
			Address:      l.addr(254),
			PeerASN:      labASNRouter,
			HoldTime:     3 * time.Second,
			Keepalive:    time.Second,
			ConnectRetry: time.Second,
			LocalAddress: l.addr(host),
		}},
		Anycast: []Announcement{
			{Prefix: netip.MustParsePrefix("192.0.2.0/24"), Communities: []string{"65001:100", "65001:7:8"}},
			{Prefix: netip.MustParsePrefix("2001:db8:a0::/48")},
		},
		NextHop6:        l.addr6(host),
		HoldDown:        2 * time.Second,
		DrainGrace:      3 * time.Second,
		StateFile:       filepath.Join(l.dir, fmt.Sprintf("speaker%d.json", host)),
		ShutdownTimeout: 5 * time.Second,
	}
}

// newSpeaker creates a speaker that logs into the lab's log; it is shut
// down at cleanup.
func (l *lab) newSpeaker(name string, cfg Config) (*Speaker, *prometheus.Registry) {
	t := l.t
	t.Helper()
	reg := prometheus.NewRegistry()
	log := slog.New(slog.NewTextHandler(l.logs, &slog.HandlerOptions{Level: slog.LevelDebug})).With("speaker", name)
	s, err := New(cfg, log, reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	return s, reg
}

// startSpeaker creates and starts a speaker; it is shut down at cleanup.
func (l *lab) startSpeaker(name string, cfg Config) (*Speaker, *prometheus.Registry) {
	l.t.Helper()
	s, reg := l.newSpeaker(name, cfg)
	if err := s.Start(context.Background()); err != nil {
		l.t.Fatal(err)
	}
	return s, reg
}

// waitFor polls cond every 20ms until it holds or the timeout passes, and
// returns how long it took.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > timeout {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// dialFrom opens a TCP connection from local, inside network namespace ns,
// to remote. The socket is created on a thread switched into ns, so it
// lives there even after the thread switches back.
func dialFrom(t *testing.T, ns string, local, remote netip.AddrPort) net.Conn {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	target, err := netns.GetFromName(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	if err := netns.Set(target); err != nil {
		t.Fatal(err)
	}
	d := net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(local), Timeout: 3 * time.Second}
	conn, dialErr := d.Dial("tcp", remote.String())
	if err := netns.Set(orig); err != nil {
		panic(fmt.Sprintf("cannot return to the original network namespace: %v", err)) // the thread is unusable
	}
	if dialErr != nil {
		t.Fatalf("dial %s -> %s in %s: %v", local, remote, ns, dialErr)
	}
	return conn
}

// lockedBuffer is a goroutine-safe log sink.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
