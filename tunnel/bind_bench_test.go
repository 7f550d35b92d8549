package tunnel

import (
	"testing"
)

const benchPayload = 1400

func benchBatch(n int) [][]byte {
	bufs := make([][]byte, n)
	for i := range bufs {
		bufs[i] = make([]byte, benchPayload)
	}
	return bufs
}

// BenchmarkBindSend measures Send: route lookup, header, one sendmmsg per
// batch of 64 datagrams. Reported per datagram.
func BenchmarkBindSend(b *testing.B) {
	pops := newLoopbackPoPs(b, 2)
	a := pops[0]
	relayLoop(b, pops[1])
	batch := benchBatch(64)
	ep := a.b.pops.byID[2].ep
	b.ReportAllocs()
	b.SetBytes(int64(len(batch) * benchPayload))
	for b.Loop() {
		if err := a.b.Send(batch, ep); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/datagram")
}

// benchPath sends batches from PoP 1 to PoP 3 along nodes and receives them
// at PoP 3 in the benchmark goroutine; PoP 2 relays when on the path.
func benchPath(b *testing.B, nodes []uint16) {
	pops := newLoopbackPoPs(b, 3)
	a, c := pops[0], pops[2]
	relayLoop(b, pops[1])
	mustSetRoutes(b, a, Route{Dst: 3, Paths: [][]uint16{nodes}})
	batch := benchBatch(32)
	ep := a.b.pops.byID[3].ep
	bufs, sizes, eps := makeRecvBufs(c.b.batch)
	b.ReportAllocs()
	b.SetBytes(int64(len(batch) * benchPayload))
	for b.Loop() {
		if err := a.b.Send(batch, ep); err != nil {
			b.Fatal(err)
		}
		for got := 0; got < len(batch); {
			n, err := c.recv(bufs, sizes, eps)
			if err != nil {
				b.Fatal(err)
			}
			for _, s := range sizes[:n] {
				if s > 0 {
					got++
				}
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/datagram")
}

// BenchmarkBindDirect: send and receive over the direct path.
func BenchmarkBindDirect(b *testing.B) { benchPath(b, []uint16{1, 3}) }

// BenchmarkBindRelayed: send, userspace relay at PoP 2, receive. Compare
// with BenchmarkBindDirect for the relay's cost.
func BenchmarkBindRelayed(b *testing.B) { benchPath(b, []uint16{1, 2, 3}) }
