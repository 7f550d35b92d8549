package tunnel

import (
	"net/netip"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
	"golang.zx2c4.com/wireguard/conn"

	"github.com/argonet/argo/overlay"
)

// offlineReceiver is a receiver of PoP 2 (peers 1, 3, 4) without a socket:
// datagrams are injected as if recvmmsg had returned them.
type offlineReceiver struct {
	r     *receiver
	bufs  [][]byte
	sizes []int
	eps   []conn.Endpoint
}

func newOfflineReceiver(tb testing.TB) *offlineReceiver {
	var peers []Peer
	for _, id := range []uint16{1, 3, 4} {
		peers = append(peers, Peer{ID: id, Underlay: netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 18, 0, byte(id)}), 51821)})
	}
	ns, err := openNS("")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(ns.close)
	b := newBind(2, netip.Addr{}, newPopSet(peers), ns, testLogger(tb), &counters{})
	b.onProbeReply = func(uint16, overlay.Probe, time.Time) {}
	o := &offlineReceiver{r: newReceiver(b, &udpSocket{})}
	o.bufs, o.sizes, o.eps = makeRecvBufs(b.batch)
	return o
}

// inject places datagram d from src at position i of the batch.
func (o *offlineReceiver) inject(i int, src [4]byte, d []byte) {
	n := copy(o.r.hdrs[i][:], d)
	copy(o.bufs[i], d[n:])
	o.r.in.msgs[i].Len = uint32(len(d))
	sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&o.r.in.names[i]))
	*sa = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: src}
}

// FuzzReceive feeds arbitrary datagrams from a known or unknown source
// through the receive path: no panic, and every datagram is accounted for
// exactly once (delivered, relayed, answered, handed to the prober or
// dropped for a reason).
func FuzzReceive(f *testing.F) {
	data, _ := overlay.Path(overlay.TypeData, 1, 0, 2)
	relay, _ := overlay.Path(overlay.TypeData, 1, 0, 2, 3)
	probe, _ := overlay.Path(overlay.TypeProbe, 1, 0, 2)
	for _, h := range []overlay.Header{data, relay, probe} {
		b := make([]byte, overlay.HeaderLen+overlay.ProbeLen)
		h.Marshal(b)
		f.Add(b, true)
	}
	f.Add([]byte{}, true)
	f.Add([]byte{overlay.Version, 0, 1, 0, 0, 9, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0}, true)
	f.Add([]byte{overlay.Version}, false)
	o := newOfflineReceiver(f)
	f.Fuzz(func(t *testing.T, d []byte, known bool) {
		if len(d) > 2048 {
			d = d[:2048]
		}
		src := [4]byte{198, 18, 0, 1}
		if !known {
			src = [4]byte{198, 18, 0, 99}
		}
		o.inject(0, src, d)
		o.eps[0] = nil
		delivered := o.r.process(1, o.bufs, o.sizes, o.eps)
		c := o.r.counts
		o.r.counts = batchCounts{}
		queued := o.r.out.n
		o.r.out.reset()
		var outcomes uint64
		for i := cDelivered; i < numCounters; i++ {
			if i != cSent && i != cSendErrors && i != cNoRoute {
				outcomes += c[i]
			}
		}
		if c[cReceived] != 1 || outcomes != 1 {
			t.Fatalf("counts %v: want one received and one outcome", c)
		}
		if delivered == 1 {
			if o.sizes[0] != len(d)-overlay.HeaderLen || o.eps[0] == nil || c[cDelivered] != 1 {
				t.Fatalf("delivered size %d of %d bytes, ep %v", o.sizes[0], len(d), o.eps[0])
			}
		} else if o.sizes[0] != 0 {
			t.Fatalf("size %d for a datagram not delivered", o.sizes[0])
		}
		if want := int(c[cRelayed] + c[cProbesAnswered]); queued != want {
			t.Fatalf("queued %d sends, want %d", queued, want)
		}
		if !known && c[cDropUnknownSource] != 1 {
			t.Fatalf("unknown source not dropped: %v", c)
		}
	})
}

// FuzzParseEndpoint: WireGuard hands UAPI endpoint strings to the Bind.
func FuzzParseEndpoint(f *testing.F) {
	for _, s := range []string{"pop:1", "pop:3", "pop:65536", "pop:", "1.2.3.4:5", "pop:-1", "pop:0x1"} {
		f.Add(s)
	}
	pops := newPopSet([]Peer{{ID: 1}, {ID: 3}})
	f.Fuzz(func(t *testing.T, s string) {
		ep, err := pops.parseEndpoint(s)
		if err != nil {
			return
		}
		if id := ep.PoP(); id != 1 && id != 3 {
			t.Fatalf("%q resolved to unknown pop %d", s, id)
		}
		if again, err := pops.parseEndpoint(ep.DstToString()); err != nil || again != ep {
			t.Fatalf("round trip of %q: %v", s, err)
		}
	})
}

// BenchmarkReceiveProcess measures the per-datagram CPU cost of the receive
// path without syscalls, for a batch of 64 datagrams: relayed, and
// delivered to WireGuard.
func BenchmarkReceiveProcess(b *testing.B) {
	for _, c := range []struct {
		name string
		hops []uint16
	}{{"relay", []uint16{2, 3}}, {"deliver", []uint16{2}}} {
		b.Run(c.name, func(b *testing.B) {
			o := newOfflineReceiver(b)
			h, _ := overlay.Path(overlay.TypeData, 1, 0, c.hops...)
			d := make([]byte, 1400)
			h.Marshal(d)
			n := o.r.b.batch
			b.ReportAllocs()
			for b.Loop() {
				for i := 0; i < n; i++ {
					o.inject(i, [4]byte{198, 18, 0, 1}, d[:overlay.HeaderLen])
					o.r.in.msgs[i].Len = 1400
				}
				o.r.process(n, o.bufs, o.sizes, o.eps)
				o.r.out.reset()
				o.r.b.cnt.add(&o.r.counts)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/datagram")
		})
	}
}
