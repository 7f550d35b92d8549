package xdp

import (
	"bytes"
	"errors"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cilium/ebpf"
)

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// pinEnv is a namespace with a veth p0 to attach to, and a pin root.
type pinEnv struct {
	ns   *testNS
	cfg  Config
	logs *syncBuffer
	log  *slog.Logger
}

func newPinEnv(t *testing.T) *pinEnv {
	needRoot(t)
	e := &pinEnv{ns: newNS(t, "pin"), logs: &syncBuffer{}}
	e.log = slog.New(slog.NewTextHandler(e.logs, nil))
	veth(t, e.ns, "p0", netip.MustParsePrefix("198.19.82.1/24"), e.ns, "p1", netip.MustParsePrefix("198.19.82.2/24"))
	e.cfg = Config{PopName: "pin-" + uniq(), PopID: 7, Interface: "p0", PinRoot: tempPinRoot(t), KeepOnExit: true}
	return e
}

func (e *pinEnv) load(t *testing.T, cfg Config) *XDP {
	t.Helper()
	var x *XDP
	e.ns.must(t, func() error {
		var err error
		x, err = Load(cfg, e.log, nil)
		return err
	})
	return x
}

func (e *pinEnv) dir() string { return filepath.Join(e.cfg.PinRoot, e.cfg.PopName) }

// attached returns the id of the XDP program on p0 and its mode (0, "" if none).
func (e *pinEnv) attached(t *testing.T) (uint32, string) {
	t.Helper()
	x := e.ns.link(t, "p0").Attrs().Xdp
	if x == nil || !x.Attached {
		return 0, ""
	}
	m := map[uint32]string{1: "native", 2: "generic"}[x.AttachMode]
	return x.ProgId, m
}

// hitBlocklist runs x's program on a frame from 198.51.100.1 n times.
func hitBlocklist(t *testing.T, x *XDP, n int) {
	t.Helper()
	in := plainFrame(netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("198.19.82.1"), 53).bytes()
	for range n {
		if ret, err := x.objs.ArgoXdp.Run(&ebpf.RunOptions{Data: in}); err != nil || ret != xdpDrop {
			t.Fatalf("run: %d, %v", ret, err)
		}
	}
}

func TestPinnedStateSurvivesRestart(t *testing.T) {
	e := newPinEnv(t)
	block := netip.MustParsePrefix("198.51.100.0/24")
	pops := map[uint16]netip.Addr{7: netip.MustParseAddr("198.19.82.1"), 8: netip.MustParseAddr("198.19.82.2")}

	x1 := e.load(t, e.cfg)
	if x1.Mode() != "native" {
		t.Fatalf("auto mode on veth chose %q, want native", x1.Mode())
	}
	if err := x1.AddBlock(block); err != nil {
		t.Fatal(err)
	}
	if err := x1.SetRateLimit(53, 100, 10); err != nil {
		t.Fatal(err)
	}
	if err := x1.SetPoPs(pops); err != nil {
		t.Fatal(err)
	}
	hitBlocklist(t, x1, 3)
	id1, _ := e.attached(t)
	if err := x1.Close(); err != nil {
		t.Fatal(err)
	}
	if id, mode := e.attached(t); id != id1 || mode != "native" {
		t.Fatalf("after Close with KeepOnExit: program %d (%s) attached, want %d (native)", id, mode, id1)
	}

	x2 := e.load(t, e.cfg)
	defer x2.Close()
	if id, _ := e.attached(t); id == id1 || id == 0 {
		t.Fatalf("second Load: attached program %d, want a new one (old %d)", id, id1)
	}
	if !strings.Contains(e.logs.String(), "replaced the program in the pinned link") {
		t.Fatalf("second Load did not reuse the pinned link; logs:\n%s", e.logs)
	}
	bl, err := x2.Blocklist()
	if err != nil || len(bl) != 1 || bl[0].Prefix != block || bl[0].Hits != 3 {
		t.Fatalf("blocklist after restart: %v, %v", bl, err)
	}
	rl, err := x2.RateLimits()
	if err != nil || len(rl) != 1 || rl[0] != (RateLimit{Port: 53, PPS: 100, Burst: 10}) {
		t.Fatalf("rate limits after restart: %v, %v", rl, err)
	}
	got, err := x2.PoPs()
	if err != nil || len(got) != 2 || got[7] != pops[7] || got[8] != pops[8] {
		t.Fatalf("PoPs after restart: %v, %v", got, err)
	}
	cs, err := x2.Counters()
	if err != nil || cs[CounterDropBlocklist].Packets != 3 {
		t.Fatalf("counters after restart: %v, %v", cs, err)
	}
	// A prefix added after the restart gets a counter of its own (the
	// loader read which one the pinned entry uses), and re-adding the
	// pinned prefix keeps its count.
	block2 := netip.MustParsePrefix("198.51.100.0/25")
	if err := x2.AddBlock(block2); err != nil {
		t.Fatal(err)
	}
	if err := x2.AddBlock(block); err != nil {
		t.Fatal(err)
	}
	hitBlocklist(t, x2, 2) // 198.51.100.1: the /25 now
	bl, err = x2.Blocklist()
	if err != nil || len(bl) != 2 || bl[0] != (BlockEntry{block, 3}) || bl[1] != (BlockEntry{block2, 2}) {
		t.Fatalf("blocklist after restart and a new entry: %v, %v", bl, err)
	}

	// Without KeepOnExit, Close detaches and removes the link pin; the
	// maps stay pinned.
	x2.cfg.KeepOnExit = false
	if err := x2.Close(); err != nil {
		t.Fatal(err)
	}
	if id, _ := e.attached(t); id != 0 {
		t.Fatalf("program %d still attached after Close", id)
	}
	if _, err := os.Stat(filepath.Join(e.dir(), linkPinName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("link pin after detach: %v", err)
	}
	if _, err := os.Stat(filepath.Join(e.dir(), argoMapArgoBlockV4)); err != nil {
		t.Fatalf("blocklist pin after detach: %v", err)
	}
}

func TestStalePinsReplaced(t *testing.T) {
	cases := []struct {
		name  string
		stale func(t *testing.T, dir string)
	}{
		{"value size", func(t *testing.T, dir string) {
			replacePin(t, dir, argoMapArgoRlRules, &ebpf.MapSpec{Type: ebpf.Hash, KeySize: 2, ValueSize: 8, MaxEntries: 256})
		}},
		{"map type", func(t *testing.T, dir string) {
			replacePin(t, dir, argoMapArgoCounters, &ebpf.MapSpec{Type: ebpf.Array, KeySize: 4, ValueSize: 16, MaxEntries: uint32(NumCounters)})
		}},
		{"max entries", func(t *testing.T, dir string) {
			replacePin(t, dir, argoMapArgoPopIds, &ebpf.MapSpec{Type: ebpf.Hash, KeySize: 4, ValueSize: 2, MaxEntries: 16})
		}},
		{"version", func(t *testing.T, dir string) {
			m, err := ebpf.LoadPinnedMap(filepath.Join(dir, argoMapArgoVersion), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if err := m.Put(uint32(0), uint32(mapVersion+1)); err != nil {
				t.Fatal(err)
			}
		}},
		{"no version map", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, argoMapArgoVersion)); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newPinEnv(t)
			x := e.load(t, e.cfg)
			if err := x.AddBlock(netip.MustParsePrefix("198.51.100.0/24")); err != nil {
				t.Fatal(err)
			}
			x.Close() // KeepOnExit: the old program stays attached
			c.stale(t, e.dir())

			x = e.load(t, e.cfg)
			defer func() { x.cfg.KeepOnExit = false; x.Close() }()
			if !strings.Contains(e.logs.String(), "replacing pinned maps of another program version") {
				t.Fatalf("no replacement logged:\n%s", e.logs)
			}
			if bl, err := x.Blocklist(); err != nil || len(bl) != 0 {
				t.Fatalf("blocklist after replacement: %v, %v", bl, err)
			}
			// The new maps work and the program runs with them.
			if err := x.AddBlock(netip.MustParsePrefix("198.51.100.0/24")); err != nil {
				t.Fatal(err)
			}
			hitBlocklist(t, x, 1)
			if id, _ := e.attached(t); id == 0 {
				t.Fatal("nothing attached")
			}
		})
	}
}

// replacePin swaps the pinned map name in dir for a new map of spec.
func replacePin(t *testing.T, dir, name string, spec *ebpf.MapSpec) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	m, err := ebpf.NewMap(spec)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Pin(path); err != nil {
		t.Fatal(err)
	}
}

func TestModeChangesAndOff(t *testing.T) {
	e := newPinEnv(t)
	x := e.load(t, e.cfg) // auto: native, kept on exit
	x.Close()

	cfg := e.cfg
	cfg.Mode = ModeGeneric
	x = e.load(t, cfg)
	if _, mode := e.attached(t); x.Mode() != "generic" || mode != "generic" {
		t.Fatalf("Mode() %q, kernel %q; want generic", x.Mode(), mode)
	}
	x.Close()

	cfg.Mode = ModeOff
	var err error
	e.ns.must(t, func() error {
		_, err = Load(cfg, e.log, nil)
		return nil
	})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("mode off: %v, want ErrUnavailable", err)
	}
	if id, _ := e.attached(t); id != 0 {
		t.Fatalf("mode off left program %d attached", id)
	}
}
