package xdp

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
)

// TestTruncatedNeverRelayed cuts every relayable vector frame at every
// length and checks that the program never transmits it and agrees with
// the model on the counter.
func TestTruncatedNeverRelayed(t *testing.T) {
	e := newProgEnv(t)
	pops := vectorPoPs(txNet)
	n := 0
	for _, v := range loadVectors(t) {
		if v.Verdict != "relay" {
			continue
		}
		m := e.configure(t, v.Self, pops)
		full := vectorFrame(v, pops).bytes()
		for l := 14; l < len(full); l++ { // the kernel needs >= 14 bytes
			in := full[:l]
			want, _ := m.run(in)
			ret, out := e.run(t, in)
			if ret == xdpTX || ret == xdpRedirect {
				t.Fatalf("%s cut to %d bytes: relayed (action %d)", v, l, ret)
			}
			if ret != want.xdpAction() || !bytes.Equal(out, in) {
				t.Fatalf("%s cut to %d bytes: action %d, want %d (%s); frame changed: %v", v, l, ret, want.xdpAction(), want, !bytes.Equal(out, in))
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no relay vectors")
	}
}

// plainFrame is a non-overlay UDP frame from src to dst.
func plainFrame(src, dst netip.Addr, dport uint16) frame {
	return frame{srcMAC: macOf("02:00:00:00:00:01"), dstMAC: macOf("02:00:00:00:00:02"),
		src: src, dst: dst, sport: 5000, dport: dport, payload: []byte("hello")}
}

func TestBlocklist(t *testing.T) {
	e := newProgEnv(t)
	pops := vectorPoPs(txNet)
	m := e.configure(t, 0x0102, pops)
	blocks := []string{"198.51.100.0/24", "198.51.100.128/28", "198.51.100.77/32", "192.0.2.0/25", "2001:db8:77::/48", "2001:db8:77:1::/64"}
	for _, b := range blocks {
		p := netip.MustParsePrefix(b)
		if err := e.tab.AddBlock(p); err != nil {
			t.Fatal(err)
		}
		m.block = append(m.block, p)
	}
	dst4, dst6 := pops[0x0102], netip.MustParseAddr("2001:db8:1::1")
	cases := []struct {
		src   string
		vlan  uint16
		dport uint16
		hit   string // prefix whose hit count must move; "" for pass
	}{
		{src: "198.51.100.1", hit: "198.51.100.0/24"},
		{src: "198.51.100.255", hit: "198.51.100.0/24"},
		{src: "198.51.100.130", hit: "198.51.100.128/28"}, // longest match wins
		{src: "198.51.100.77", hit: "198.51.100.77/32"},
		{src: "198.51.100.144", hit: "198.51.100.0/24"}, // just past the /28
		{src: "198.51.101.0"},                           // just past the /24
		{src: "198.51.99.255"},                          // just before it
		{src: "192.0.2.127", hit: "192.0.2.0/25"},
		{src: "192.0.2.128"}, // just outside the /25
		{src: "198.51.100.5", vlan: 7, hit: "198.51.100.0/24"},
		{src: "198.51.100.5", dport: DefaultOverlayPort, hit: "198.51.100.0/24"}, // before overlay checks
		{src: "192.0.2.200", vlan: 7},
		{src: "2001:db8:77:ffff::1", hit: "2001:db8:77::/48"},
		{src: "2001:db8:77:1::9", hit: "2001:db8:77:1::/64"},
		{src: "2001:db8:78::1"},                       // just outside the /48
		{src: "2001:db8:76:ffff:ffff:ffff:ffff:ffff"}, // just before it
		{src: "2001:db8:78::1", dport: DefaultOverlayPort},
	}
	for _, c := range cases {
		src := netip.MustParseAddr(c.src)
		dst := dst4
		if src.Is6() {
			dst = dst6
		}
		dport := c.dport
		if dport == 0 {
			dport = 53
		}
		f := plainFrame(src, dst, dport)
		f.vlan = c.vlan
		in := f.bytes()
		want, _ := m.run(in)
		if (want == CounterDropBlocklist) != (c.hit != "") {
			t.Fatalf("%s: model counter %s, case expects hit %q", c.src, want, c.hit)
		}
		before, err := e.tab.Blocklist()
		if err != nil {
			t.Fatal(err)
		}
		ret, out := e.run(t, in)
		if ret != want.xdpAction() || !bytes.Equal(in, out) {
			t.Fatalf("%s (vlan %d): action %d, want %d (%s)", c.src, c.vlan, ret, want.xdpAction(), want)
		}
		after, err := e.tab.Blocklist()
		if err != nil {
			t.Fatal(err)
		}
		for i := range after {
			want := uint64(0)
			if after[i].Prefix.String() == c.hit {
				want = 1
			}
			if d := after[i].Hits - before[i].Hits; d != want {
				t.Fatalf("%s: entry %s hits moved by %d", c.src, after[i].Prefix, d)
			}
		}
	}

	// API round trip: list, re-add keeps hits, delete, delete again.
	list, err := e.tab.Blocklist()
	if err != nil || len(list) != len(blocks) {
		t.Fatalf("Blocklist = %v, %v; want %d entries", list, err, len(blocks))
	}
	p := netip.MustParsePrefix("198.51.100.0/24")
	if err := e.tab.AddBlock(p); err != nil {
		t.Fatal(err)
	}
	if l2, _ := e.tab.Blocklist(); l2[0] != list[0] || list[0].Prefix != netip.MustParsePrefix("192.0.2.0/25") {
		t.Fatalf("re-add changed entries: %v -> %v", list, l2)
	}
	if err := e.tab.DelBlock(p); err != nil {
		t.Fatal(err)
	}
	if err := e.tab.DelBlock(p); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second DelBlock = %v, want ErrNotFound", err)
	}
	if ret, _ := e.run(t, plainFrame(netip.MustParseAddr("198.51.100.1"), dst4, 53).bytes()); ret != xdpPass {
		t.Fatalf("deleted prefix still drops (action %d)", ret)
	}
	// The deleted entry's counter (it had hits) is reused from zero.
	reuse := netip.MustParsePrefix("203.0.113.0/24")
	if err := e.tab.AddBlock(reuse); err != nil {
		t.Fatal(err)
	}
	e.run(t, plainFrame(netip.MustParseAddr("203.0.113.9"), dst4, 53).bytes())
	for _, b := range mustBlocklist(t, e.tab) {
		if b.Prefix == reuse && b.Hits != 1 {
			t.Fatalf("new entry %s in a reused counter: %d hits, want 1", reuse, b.Hits)
		}
	}
}

func mustBlocklist(t *testing.T, tab *tables) []BlockEntry {
	t.Helper()
	bl, err := tab.Blocklist()
	if err != nil {
		t.Fatal(err)
	}
	return bl
}

// TestBlocklistCapacity fills the blocklist (IPv4 and IPv6 share its
// counters): one more entry is refused with a clear error and changes
// nothing; after a delete there is room again.
func TestBlocklistCapacity(t *testing.T) {
	e := newProgEnv(t)
	for i := range blockRules {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24)
		if i%2 == 1 {
			p = netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 8), byte(i)}), 48)
		}
		if err := e.tab.AddBlock(p); err != nil {
			t.Fatalf("entry %d (%s): %v", i, p, err)
		}
	}
	extra := netip.MustParsePrefix("198.51.100.0/24")
	err := e.tab.AddBlock(extra)
	if err == nil || !strings.Contains(err.Error(), "blocklist full (32768 entries): 198.51.100.0/24 not added") {
		t.Fatalf("AddBlock past capacity = %v", err)
	}
	if n := len(mustBlocklist(t, e.tab)); n != blockRules {
		t.Fatalf("%d entries after the refused add, want %d", n, blockRules)
	}
	if err := e.tab.AddBlock(netip.MustParsePrefix("10.0.8.0/24")); err != nil { // already there
		t.Fatalf("re-adding an entry of a full blocklist: %v", err)
	}
	if err := e.tab.DelBlock(netip.MustParsePrefix("2001:db8:1::/48")); err != nil {
		t.Fatal(err)
	}
	if err := e.tab.AddBlock(extra); err != nil {
		t.Fatalf("AddBlock after a delete: %v", err)
	}
}

func TestMiscFrames(t *testing.T) {
	e := newProgEnv(t)
	pops := vectorPoPs(txNet)
	self := pops[0x0102]
	icmp := plainFrame(pops[senderID], self, 0)
	icmp.proto = 1
	v6overlay := plainFrame(netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2"), DefaultOverlayPort)
	nonFirstFragment := plainFrame(netip.MustParseAddr("198.51.100.9"), self, DefaultOverlayPort)
	nonFirstFragment.fragOff = 0x0010
	cases := []struct {
		name string
		in   []byte
		pops map[uint16]netip.Addr
		want Counter
	}{
		{"arp", append(bytes.Repeat([]byte{0xff}, 12), 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1), pops, CounterPass},
		{"icmp", icmp.bytes(), pops, CounterPass},
		{"ipv6 overlay", v6overlay.bytes(), pops, CounterPassIPv6},
		{"non-first fragment", nonFirstFragment.bytes(), pops, CounterPass},
		{"own address unknown", plainFrame(pops[senderID], self, DefaultOverlayPort).bytes(),
			map[uint16]netip.Addr{senderID: pops[senderID]}, CounterPassNoPeer},
		{"overlay from unknown source", plainFrame(netip.MustParseAddr("198.51.100.9"), self, DefaultOverlayPort).bytes(),
			pops, CounterDropUnknownSource},
		{"overlay too short", plainFrame(pops[senderID], self, DefaultOverlayPort).bytes(), pops, CounterDropShort},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := e.configure(t, 0x0102, c.pops)
			if got, _ := m.run(c.in); got != c.want {
				t.Fatalf("model: %s, want %s", got, c.want)
			}
			before := e.counters(t)
			ret, out := e.run(t, c.in)
			after := e.counters(t)
			if ret != c.want.xdpAction() || !bytes.Equal(out, c.in) || after[c.want].Packets != before[c.want].Packets+1 {
				t.Fatalf("action %d, counter %s %d -> %d", ret, c.want, before[c.want].Packets, after[c.want].Packets)
			}
		})
	}

	t.Run("not configured", func(t *testing.T) {
		objs, err := loadObjects("", discardLog())
		if err != nil {
			t.Fatal(err)
		}
		defer objs.Close()
		ret, err := objs.ArgoXdp.Run(&ebpf.RunOptions{Data: cases[2].in})
		if err != nil || ret != xdpPass {
			t.Fatalf("unconfigured program: %d, %v", ret, err)
		}
		c, err := (&tables{m: &objs.argoMaps}).Counters()
		if err != nil || c[CounterPassNoConfig].Packets != 1 {
			t.Fatalf("counters %v, %v", c, err)
		}
	})
}

// TestRateLimit checks the per-source token bucket under and over the rate.
func TestRateLimit(t *testing.T) {
	e := newProgEnv(t)
	pops := vectorPoPs(txNet)
	e.configure(t, 0x0102, pops)
	dst := pops[0x0102]
	srcA, srcB := netip.MustParseAddr("198.51.100.10"), netip.MustParseAddr("198.51.100.11")
	src6 := netip.MustParseAddr("2001:db8::10")
	const port, otherPort = 5353, 5354

	send := func(src netip.Addr, dport uint16, n int, gap time.Duration) (passed int, elapsed time.Duration) {
		d := dst
		if src.Is6() {
			d = netip.MustParseAddr("2001:db8::1")
		}
		in := plainFrame(src, d, dport).bytes()
		start := time.Now()
		for range n {
			if ret, _ := e.run(t, in); ret == xdpPass {
				passed++
			} else if ret != xdpDrop {
				t.Fatalf("action %d", ret)
			}
			if gap > 0 {
				time.Sleep(gap)
			}
		}
		return passed, time.Since(start)
	}

	t.Run("under the rate", func(t *testing.T) {
		if err := e.tab.SetRateLimit(port, 1000, 1); err != nil { // 1 ms per packet
			t.Fatal(err)
		}
		if passed, _ := send(srcA, port, 10, 5*time.Millisecond); passed != 10 {
			t.Fatalf("%d of 10 packets passed at 200/s under a 1000/s limit", passed)
		}
	})
	t.Run("over the rate", func(t *testing.T) {
		const pps, burst, n = 10, 3, 30
		if err := e.tab.SetRateLimit(port, pps, burst); err != nil {
			t.Fatal(err)
		}
		before := e.counters(t)
		rl0, _ := e.tab.RateLimits()
		for i, src := range []netip.Addr{srcB, src6} { // fresh sources: full burst each
			passed, elapsed := send(src, port, n, 0)
			// burst immediately, then one per 100 ms of elapsed time.
			if max := burst + int(elapsed.Seconds()*pps) + 1; passed < burst || passed > max {
				t.Fatalf("source %d: %d of %d passed in %v, want %d..%d", i, passed, n, elapsed, burst, max)
			}
			if p, _ := send(src, otherPort, 5, 0); p != 5 {
				t.Fatalf("unlimited port: %d of 5 passed", p)
			}
		}
		after := e.counters(t)
		rl1, _ := e.tab.RateLimits()
		drops := after[CounterDropRateLimit].Packets - before[CounterDropRateLimit].Packets
		if drops < 2*(n-burst-2) || len(rl1) != 1 || rl1[0].Drops-rl0[0].Drops != drops {
			t.Fatalf("drops: counter %d, rule %v -> %v", drops, rl0, rl1)
		}
		if rl1[0].Port != port || rl1[0].PPS != pps || rl1[0].Burst != burst {
			t.Fatalf("RateLimits() = %+v", rl1)
		}
	})
	t.Run("delete", func(t *testing.T) {
		if err := e.tab.DelRateLimit(port); err != nil {
			t.Fatal(err)
		}
		if err := e.tab.DelRateLimit(port); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
		if p, _ := send(srcB, port, 10, 0); p != 10 {
			t.Fatalf("after delete %d of 10 passed", p)
		}
	})
}
