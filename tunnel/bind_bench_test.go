package tunnel

import (
	"fmt"
	"testing"

	"golang.zx2c4.com/wireguard/conn"
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

// BenchmarkStdNetBindDirect is the same exchange as BenchmarkBindDirect over
// wireguard-go's own StdNetBind (no overlay header, UDP GSO/GRO where the
// kernel offers it), for a side-by-side ratio.
func BenchmarkStdNetBindDirect(b *testing.B) {
	rx, tx := conn.NewStdNetBind(), conn.NewStdNetBind()
	fns, port, err := rx.Open(0)
	if err != nil {
		b.Fatal(err)
	}
	defer rx.Close()
	if _, _, err := tx.Open(0); err != nil {
		b.Fatal(err)
	}
	defer tx.Close()
	ep, err := tx.ParseEndpoint(fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		b.Fatal(err)
	}
	batch := benchBatch(32)
	bufs, sizes, eps := makeRecvBufs(rx.BatchSize())
	recv := fns[0] // IPv4
	b.ReportAllocs()
	b.SetBytes(int64(len(batch) * benchPayload))
	for b.Loop() {
		if err := tx.Send(batch, ep); err != nil {
			b.Fatal(err)
		}
		for got := 0; got < len(batch); {
			n, err := recv(bufs, sizes, eps)
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
