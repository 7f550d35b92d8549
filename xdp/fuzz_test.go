package xdp

import (
	"bytes"
	"net/netip"
	"testing"
)

// FuzzProgram feeds arbitrary frames to the BPF program (BPF_PROG_TEST_RUN)
// and to the Go model and requires the same action, the same counter and
// the same output bytes. The seeds are frames built around the shared
// overlay vectors; the fuzzer mutates every header byte, so it explores
// truncation, bad lengths, VLAN tags, IPv6 and checksum edge cases.
func FuzzProgram(f *testing.F) {
	e := newProgEnv(f)
	pops := vectorPoPs(txNet)
	pops[0x0203] = hostIn(redirectNet, 12) // one next hop behind r2
	m := e.configure(f, 0x0102, pops, e.r2.Attrs().Index)
	for _, p := range []string{"198.51.100.0/24", "2001:db8:bad::/48"} {
		pfx := netip.MustParsePrefix(p)
		if err := e.tab.AddBlock(pfx); err != nil {
			f.Fatal(err)
		}
		m.block = append(m.block, pfx)
	}
	for _, v := range loadVectors(f) {
		f.Add(vectorFrame(v, pops).bytes())
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 14 || len(in) > 1500 { // BPF_PROG_TEST_RUN needs an Ethernet header
			t.Skip()
		}
		want, wantOut := m.run(in)
		before := e.counters(t)
		ret, out := e.run(t, in)
		after := e.counters(t)
		if ret != want.xdpAction() {
			t.Fatalf("action %d, model %d (%s)\nframe %x", ret, want.xdpAction(), want, in)
		}
		if after[want].Packets != before[want].Packets+1 || after.Total().Packets != before.Total().Packets+1 {
			t.Fatalf("counter %s not the one that moved\nframe %x", want, in)
		}
		if wantOut == nil {
			wantOut = in
		}
		if !bytes.Equal(out, wantOut) {
			t.Fatalf("output differs from the model (%s)\n  in %x\n got %x\nwant %x", want, in, out, wantOut)
		}
	})
}
