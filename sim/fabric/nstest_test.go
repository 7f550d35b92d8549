package fabric

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// This file holds the helpers of the namespace tests: they need root, use
// names "argosim-t<pid><rand>-..." and addresses in 198.19.200.0-198.19.249.255,
// and clean up after themselves.

// skipUnderRace skips timing and throughput tests under the race detector.
func skipUnderRace(t testing.TB) {
	t.Helper()
	if raceEnabled {
		t.Skip("timing-sensitive: the race detector slows the forwarder process several times; run without -race")
	}
}

func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces")
	}
}

// testPrefix returns a fresh run prefix for one test: "argosim-t<pid>-<rand>".
func testPrefix() string {
	return fmt.Sprintf("argosim-t%d-%04x", os.Getpid(), rand.IntN(1<<16))
}

// cleanDeadTestRuns removes what test binaries that died without cleaning
// up (killed, or crashed) left behind: namespaces "argosim-t<pid>-..." whose
// process is gone.
func cleanDeadTestRuns() {
	entries, _ := os.ReadDir(netnsDir)
	for _, e := range entries {
		var pid int
		var tag string
		if n, _ := fmt.Sscanf(e.Name(), "argosim-t%d-%4s", &pid, &tag); n != 2 {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			continue // still running (or the pid was reused: leave it)
		}
		_, _ = Clean(fmt.Sprintf("argosim-t%d-%s", pid, tag))
	}
}

// testNet is a fabric with n nodes named a, b, c, ... each in its own netns.
type testNet struct {
	prefix string
	f      *Fabric
	ns     []string       // netns of node i
	addr   []netip.Addr   // underlay address of node i
	names  []string       // node names
	ifname []string       // PoP-side interface of node i
	byName map[string]int // node name -> index
}

func newTestNet(t testing.TB, n int, opts ...Option) *testNet {
	t.Helper()
	requireRoot(t)
	tn := &testNet{prefix: testPrefix(), byName: map[string]int{}}
	t.Cleanup(func() {
		if tn.f != nil {
			if err := tn.f.Close(); err != nil {
				t.Errorf("fabric close: %v", err)
			}
		}
		for _, ns := range tn.ns {
			_ = netns.DeleteNamed(ns)
		}
	})
	f, err := NewFabric(tn.prefix, nil, append([]Option{WithSeed(1)}, opts...)...)
	if err != nil {
		t.Fatalf("NewFabric: %v", err)
	}
	tn.f = f
	third := 200 + rand.IntN(50)
	for i := range n {
		name := string(rune('a' + i))
		ns := tn.prefix + "-" + name
		h, err := CreateNetns(ns)
		if err != nil {
			t.Fatalf("create netns: %v", err)
		}
		h.Close()
		tn.ns = append(tn.ns, ns)
		addr := netip.AddrFrom4([4]byte{198, 19, byte(third), byte(i + 1)})
		ifname, err := f.AddNode(name, ns, netip.PrefixFrom(addr, 24))
		if err != nil {
			t.Fatalf("AddNode %s: %v", name, err)
		}
		tn.names = append(tn.names, name)
		tn.addr = append(tn.addr, addr)
		tn.ifname = append(tn.ifname, ifname)
		tn.byName[name] = i
	}
	return tn
}

// inNs runs fn in node i's namespace (sockets created there stay there).
func (tn *testNet) inNs(t testing.TB, i int, fn func() error) {
	t.Helper()
	h, err := netns.GetFromPath(filepath.Join(netnsDir, tn.ns[i]))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if err := inNetns(h, fn); err != nil {
		t.Fatal(err)
	}
}

// udpConn opens a UDP socket bound to node i's address and port.
func (tn *testNet) udpConn(t testing.TB, i int, port int) *net.UDPConn {
	t.Helper()
	var c *net.UDPConn
	tn.inNs(t, i, func() error {
		var err error
		c, err = net.ListenUDP("udp4", &net.UDPAddr{IP: tn.addr[i].AsSlice(), Port: port})
		return err
	})
	t.Cleanup(func() { c.Close() })
	// Large buffers beyond net.core.rmem_max (root may force them), so
	// that a receiver stalled by a busy machine loses nothing.
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 32<<20)
		if serr == nil {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, 8<<20)
		}
	}); err != nil || serr != nil {
		t.Fatal(err, serr)
	}
	return c
}

// icmpSocket opens a raw ICMP socket in node i's namespace with kernel
// receive timestamps.
func (tn *testNet) icmpSocket(t testing.TB, i int) int {
	t.Helper()
	fd := -1
	tn.inNs(t, i, func() error {
		var err error
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_ICMP)
		if err != nil {
			return err
		}
		return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	})
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// pinger measures ICMP echo RTTs from node i to node j.
type pinger struct {
	fd   int
	dst  unix.SockaddrInet4
	id   uint16
	sent []atomic.Int64 // send time (UnixNano) by sequence number; 0 = none outstanding
}

func (tn *testNet) newPinger(t testing.TB, i, j int) *pinger {
	fd := tn.icmpSocket(t, i)
	tv := unix.Timeval{Usec: 100000}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	return &pinger{fd: fd, dst: unix.SockaddrInet4{Addr: tn.addr[j].As4()}, id: uint16(rand.IntN(1 << 16)), sent: make([]atomic.Int64, 1<<16)}
}

func icmpChecksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// send sends echo request seq and remembers when.
func (p *pinger) send(seq uint16) error {
	msg := make([]byte, 16)
	msg[0] = 8 // echo request
	msg[4], msg[5] = byte(p.id>>8), byte(p.id)
	msg[6], msg[7] = byte(seq>>8), byte(seq)
	cs := icmpChecksum(msg)
	msg[2], msg[3] = byte(cs>>8), byte(cs)
	p.sent[seq].Store(time.Now().UnixNano())
	return unix.Sendto(p.fd, msg, 0, &p.dst)
}

// recv returns the next echo reply's sequence number and RTT, using the
// kernel receive timestamp; ok is false on timeout.
func (p *pinger) recv() (seq uint16, rtt time.Duration, ok bool) {
	buf := make([]byte, 1500)
	oob := make([]byte, 128)
	for {
		n, oobn, _, _, err := unix.Recvmsg(p.fd, buf, oob, 0)
		if err != nil {
			return 0, 0, false
		}
		if n < 28 {
			continue
		}
		icmp := buf[int(buf[0]&0x0f)*4 : n]
		if len(icmp) < 8 || icmp[0] != 0 || uint16(icmp[4])<<8|uint16(icmp[5]) != p.id {
			continue
		}
		seq = uint16(icmp[6])<<8 | uint16(icmp[7])
		sentNs := p.sent[seq].Swap(0)
		if sentNs == 0 {
			continue
		}
		rx := time.Now()
		msgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
		for _, m := range msgs {
			if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SO_TIMESTAMPNS && len(m.Data) >= 16 {
				ts := (*unix.Timespec)(unsafe.Pointer(&m.Data[0]))
				rx = time.Unix(ts.Sec, ts.Nsec)
			}
		}
		return seq, rx.Sub(time.Unix(0, sentNs)), true
	}
}

// ping sends one echo and waits for its reply.
func (p *pinger) ping(seq uint16) (time.Duration, bool) {
	if err := p.send(seq); err != nil {
		return 0, false
	}
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		s, rtt, ok := p.recv()
		if ok && s == seq {
			return rtt, true
		}
	}
	return 0, false
}

func TestMain(m *testing.M) {
	MaybeForwarder()
	if os.Geteuid() == 0 {
		cleanDeadTestRuns()
	}
	os.Exit(m.Run())
}
