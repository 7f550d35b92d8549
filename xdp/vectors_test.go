package xdp

import (
	"bytes"
	"encoding/hex"
	"net/netip"
	"testing"
)

// relayScenario is one way of presenting the shared vectors to the program.
type relayScenario struct {
	name   string
	subnet netip.Prefix   // where the PoPs' addresses live
	egress bool           // allow XDP_REDIRECT to r2
	flags  uint32         // config-map flags
	mutate func(f *frame) // changes to the vector frame
	relay  Counter        // expected counter for "relay" vectors
	all    Counter        // if not CounterPass: expected for every vector
}

var relayScenarios = []relayScenario{
	{name: "tx", subnet: txNet, relay: CounterRelayTX},
	{name: "tx zero udp checksum", subnet: txNet, relay: CounterRelayTX, mutate: func(f *frame) { f.noUDPCsum = true }},
	{name: "tx zeroing udp checksum", subnet: txNet, relay: CounterRelayTX, flags: cfgZeroUDPChecksum},
	{name: "tx ip options", subnet: txNet, relay: CounterRelayTX, mutate: func(f *frame) { f.options = []byte{1, 1, 1, 0} }},
	{name: "redirect", subnet: redirectNet, egress: true, relay: CounterRelayRedirect},
	{name: "redirect not allowed", subnet: redirectNet, relay: CounterPassFIB},
	{name: "fib miss", subnet: noRouteNet, relay: CounterPassFIB},
	{name: "vlan", subnet: txNet, relay: CounterPassVLAN, mutate: func(f *frame) { f.vlan = 42 }},
	{name: "unknown source", subnet: txNet, all: CounterDropUnknownSource,
		mutate: func(f *frame) { f.src = netip.MustParseAddr("198.19.77.200") }},
	{name: "more fragments", subnet: txNet, all: CounterPassFragment, mutate: func(f *frame) { f.fragOff = 0x2000 }},
	{name: "not for this pop", subnet: txNet, all: CounterPass,
		mutate: func(f *frame) { f.dst = netip.MustParseAddr("198.19.77.201") }},
}

// wantCounter derives the expected counter from the vector alone.
func (s relayScenario) wantCounter(t *testing.T, v vector) Counter {
	if s.all != CounterPass || s.name == "not for this pop" {
		return s.all
	}
	switch v.Verdict {
	case "deliver":
		return CounterDeliver
	case "relay":
		return s.relay
	case "drop":
		for c := range NumCounters {
			if c.Action() == "drop" && c.Reason() == v.Reason {
				return c
			}
		}
	}
	t.Fatalf("vector %s: verdict %q reason %q has no counter", v, v.Verdict, v.Reason)
	return 0
}

// TestVectorsProgRun runs every shared overlay vector through the BPF
// program (BPF_PROG_TEST_RUN) in every scenario and checks the action, the
// counter, and every byte of the output against the vector, the Go model
// and an independent full-recompute reference.
func TestVectorsProgRun(t *testing.T) {
	e := newProgEnv(t)
	vs := loadVectors(t)
	seen := map[Counter]int{}
	for _, s := range relayScenarios {
		t.Run(s.name, func(t *testing.T) {
			pops := vectorPoPs(s.subnet)
			var egress []int
			if s.egress {
				egress = append(egress, e.r2.Attrs().Index)
			}
			for _, v := range vs {
				m := e.configureFlags(t, v.Self, s.flags, pops, egress...)
				f := vectorFrame(v, pops)
				if s.mutate != nil {
					s.mutate(&f)
				}
				in := f.bytes()
				want := s.wantCounter(t, v)
				modelCounter, modelOut := m.run(in)
				if modelCounter != want {
					t.Fatalf("%s: model says %s, vector says %s", v, modelCounter, want)
				}
				before := e.counters(t)
				ret, out := e.run(t, in)
				after := e.counters(t)
				seen[want]++
				if ret != want.xdpAction() {
					t.Fatalf("%s: action %d, want %d (%s)", v, ret, want.xdpAction(), want)
				}
				if d := after[want].Packets - before[want].Packets; d != 1 {
					t.Fatalf("%s: counter %s moved by %d, want 1", v, want, d)
				}
				if d := after.Total().Packets - before.Total().Packets; d != 1 {
					t.Fatalf("%s: %d counters moved, want exactly 1", v, d)
				}
				if d := after[want].Bytes - before[want].Bytes; d != uint64(len(in)) {
					t.Fatalf("%s: byte counter moved by %d, want %d", v, d, len(in))
				}
				if modelOut == nil {
					if !bytes.Equal(out, in) {
						t.Fatalf("%s: %s modified the frame\n in %x\nout %x", v, want, in, out)
					}
					continue
				}
				checkRelayed(t, v, f, s.flags&cfgZeroUDPChecksum != 0, in, out, modelOut, pops)
			}
		})
	}
	for _, c := range []Counter{CounterRelayTX, CounterRelayRedirect, CounterDeliver, CounterDropWrongHop,
		CounterDropShort, CounterDropLoop, CounterPassFIB, CounterPassVLAN, CounterDropUnknownSource} {
		if seen[c] == 0 {
			t.Errorf("no vector exercised %s", c)
		}
	}
}

// checkRelayed checks a relayed frame byte by byte.
func checkRelayed(t *testing.T, v vector, f frame, zeroUDP bool, in, out, modelOut []byte, pops map[uint16]netip.Addr) {
	t.Helper()
	if !bytes.Equal(out, modelOut) {
		t.Fatalf("%s: relayed frame differs from the Go model\n  in %x\n got %x\nwant %x", v, in, out, modelOut)
	}
	if err := checkChecksums(out); err != nil {
		t.Fatalf("%s: %v\n%x", v, err, out)
	}
	p, err := parseFrame(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(p.udp[8:]); got != v.Out {
		t.Fatalf("%s: overlay payload\n got %s\nwant %s", v, got, v.Out)
	}
	if p.src != pops[v.Self] || p.dst != pops[*v.NextHop] {
		t.Fatalf("%s: addresses %s -> %s, want %s -> %s", v, p.src, p.dst, pops[v.Self], pops[*v.NextHop])
	}
	if !bytes.Equal(out[p.l4:p.l4+4], in[p.l4:p.l4+4]) {
		t.Fatalf("%s: UDP ports changed", v)
	}
	if zero := out[p.l4+6] == 0 && out[p.l4+7] == 0; zero != (f.noUDPCsum || zeroUDP) {
		t.Fatalf("%s: UDP checksum %x, zero input %v, zeroing %v", v, out[p.l4+6:p.l4+8], f.noUDPCsum, zeroUDP)
	}
	full := fullRelay(in, p.l3, p.src, p.dst, [6]byte(out[6:12]), [6]byte(out[0:6]), zeroUDP)
	if !bytes.Equal(out, full) {
		t.Fatalf("%s: relayed frame differs from the full-recompute reference\n got %x\nwant %x", v, out, full)
	}
}
