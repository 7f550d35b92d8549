package xdp

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/argonet/argo/overlay"
)

// TestRelayThroughNamespaces sends overlay datagrams from A to C via B and
// checks what arrives at C and what B's program counted, for XDP_TX (one
// underlay interface) and XDP_REDIRECT (a second link to C), in native and
// generic mode, with incremental and zeroed UDP checksums. In native mode
// C's kernel verifies the checksums of the relayed frames on receipt.
func TestRelayThroughNamespaces(t *testing.T) {
	for _, o := range []topoOpts{
		{mode: ModeNative},
		{mode: ModeGeneric},
		{mode: ModeNative, direct: true},
		{mode: ModeGeneric, direct: true},
		{mode: ModeNative, zeroUDP: true},
		{mode: ModeNative, direct: true, zeroUDP: true},
	} {
		want := CounterRelayTX
		if o.direct {
			want = CounterRelayRedirect
		}
		name := fmt.Sprintf("%s/%s", o.mode, want.Action())
		if o.zeroUDP {
			name += "/zero-udp-checksum"
		}
		t.Run(name, func(t *testing.T) {
			tp := newThreePoPs(t, o)
			if tp.bx.Mode() != string(o.mode) {
				t.Fatalf("B runs in %q mode, want %q", tp.bx.Mode(), o.mode)
			}
			if !o.zeroUDP {
				noTxChecksumOffload(t, tp.a, "u0")
			}
			aConn := udpConn(t, tp.a, tp.pops[popA], 0)
			cConn := udpConn(t, tp.c, tp.pops[popC], DefaultOverlayPort)
			bAddr := netip.AddrPortFrom(tp.pops[popB], DefaultOverlayPort)

			const n = 50
			hdr, err := overlay.Path(overlay.TypeData, popA, 0xbeef, popB, popC)
			if err != nil {
				t.Fatal(err)
			}
			for i := range n {
				pkt := make([]byte, overlay.HeaderLen, 100)
				if err := hdr.Marshal(pkt); err != nil {
					t.Fatal(err)
				}
				pkt = fmt.Appendf(pkt, "datagram %d", i)
				if _, err := aConn.WriteToUDPAddrPort(pkt, bAddr); err != nil {
					t.Fatal(err)
				}
			}

			aPort := aConn.LocalAddr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port()
			buf := make([]byte, 2048)
			cConn.SetReadDeadline(time.Now().Add(5 * time.Second))
			for i := range n {
				m, from, err := cConn.ReadFromUDPAddrPort(buf)
				if err != nil {
					t.Fatalf("C received %d of %d datagrams: %v (B counters: %s)", i, n, err, countersString(tp.bx))
				}
				if want := netip.AddrPortFrom(tp.pops[popB], aPort); from != want {
					t.Fatalf("datagram %d from %s, want %s", i, from, want)
				}
				h, err := overlay.Parse(buf[:m])
				if err != nil {
					t.Fatalf("datagram %d: %v", i, err)
				}
				want := hdr
				want.Index = 1
				if h != want {
					t.Fatalf("datagram %d header %+v, want %+v", i, h, want)
				}
				if v, _, _ := overlay.Decide(buf[:m], popC); v != overlay.Deliver {
					t.Fatalf("datagram %d: C would not deliver it (%s)", i, v)
				}
				if body := overlay.Payload(buf[:m]); !bytes.Equal(body, fmt.Appendf(nil, "datagram %d", i)) {
					t.Fatalf("datagram %d body %q", i, body)
				}
			}
			cs, err := tp.bx.Counters()
			if err != nil {
				t.Fatal(err)
			}
			if cs[want].Packets != n {
				t.Fatalf("B counted %d under %s, want %d (%s)", cs[want].Packets, want, n, countersString(tp.bx))
			}
			if e := udpInCsumErrors(t, tp.c); e != 0 {
				t.Fatalf("C counted %d UDP checksum errors", e)
			}
		})
	}
}

// countersString formats the non-zero counters of x.
func countersString(x *XDP) string {
	cs, err := x.Counters()
	if err != nil {
		return err.Error()
	}
	s := ""
	for i, v := range cs {
		if v.Packets != 0 {
			s += fmt.Sprintf("%s=%d ", Counter(i), v.Packets)
		}
	}
	return s
}
