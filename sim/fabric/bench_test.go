package fabric

import (
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"golang.org/x/net/ipv4"
)

// benchForwarder is a forwarder with two ports and no sockets: enough to
// run the per-packet path (classify, admit, copy, queue, dequeue).
func benchForwarder(p LinkParams) (*forwarder, *rxFrame) {
	fw := newForwarder(4096, 1, nil)
	c := &child{fw: fw, links: map[[2]int]*link{}}
	for i := range 2 {
		c.addPort(&wirePort{Idx: i, Name: string(rune('a' + i)), Ifindex: 10 + i, Addr: uint32(0xc6130001 + i)}, p)
	}
	f := &rxFrame{data: testFrame(0xc6130001, 0xc6130002, 64), ifindex: 10, tsNs: nowNs()}
	f.origLen = uint32(len(f.data))
	return fw, f
}

// forwardOne runs one frame through the data path minus the syscalls.
func forwardOne(fw *forwarder, f *rxFrame, now int64) {
	fw.handle(f, now)
	for fw.q.len() > 0 {
		fw.pool.put(fw.q.pop().buf)
	}
}

func TestForwardPathNoAlloc(t *testing.T) {
	fw, f := benchForwarder(LinkParams{Delay: time.Millisecond, Jitter: time.Microsecond, GE: &GilbertElliott{P: 0.1, R: 0.5, BadLoss: 0.5}, RateBps: 1e9})
	now := nowNs()
	if a := testing.AllocsPerRun(1000, func() { forwardOne(fw, f, now) }); a != 0 {
		t.Fatalf("%v allocations per packet, want 0", a)
	}
}

func BenchmarkForwardPath(b *testing.B) {
	fw, f := benchForwarder(LinkParams{Delay: 20 * time.Millisecond, Jitter: time.Millisecond, Loss: 0.01, RateBps: 1e9})
	now := nowNs()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		forwardOne(fw, f, now+int64(i)*1000)
	}
}

func BenchmarkAdmit(b *testing.B) {
	l := &link{}
	c := compile(LinkParams{Delay: 20 * time.Millisecond, Jitter: time.Millisecond, GE: &GilbertElliott{P: 0.01, R: 0.3, BadLoss: 0.5}, RateBps: 1e9})
	rng := rand.NewPCG(1, 2)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		l.admit(c, int64(i)*1000, 1000, rng)
	}
}

// BenchmarkTimeQueue pushes and pops with 1,000 frames held (20 ms at 50 kpps).
func BenchmarkTimeQueue(b *testing.B) {
	q := newTimeQueue(2048)
	for i := range 1000 {
		q.push(pending{due: int64(i), seq: uint64(i)})
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		q.push(pending{due: int64(1000 + i), seq: uint64(1000 + i)})
		q.pop()
	}
}

// BenchmarkFabricUDP sends b.N 64-byte datagrams through a real fabric
// (0.5 ms delay) and reports the delivered packets/s.
func BenchmarkFabricUDP(b *testing.B) {
	tn := newTestNet(b, 2)
	if err := tn.f.SetLink("a", "b", LinkParams{Delay: 500 * time.Microsecond}); err != nil {
		b.Fatal(err)
	}
	warmup(b, tn, 0, 1)
	r := tn.receive(b, 1, 9200, 0)
	c := tn.udpConn(b, 0, 0)
	pc := ipv4.NewPacketConn(c)
	dst := &net.UDPAddr{IP: tn.addr[1].AsSlice(), Port: 9200}
	msgs := make([]ipv4.Message, 32)
	for k := range msgs {
		msgs[k] = ipv4.Message{Buffers: [][]byte{make([]byte, 64)}, Addr: dst}
	}
	b.ResetTimer()
	start := time.Now()
	for sent := 0; sent < b.N; {
		n, err := pc.WriteBatch(msgs[:min(len(msgs), b.N-sent)], 0)
		if err == nil {
			sent += n
		}
	}
	time.Sleep(20 * time.Millisecond)
	b.StopTimer()
	r.stop()
	elapsed := time.Since(start)
	b.ReportMetric(float64(r.count.Load())/elapsed.Seconds(), "delivered-pps")
	b.ReportMetric(float64(r.count.Load())/float64(b.N), "delivered-fraction")
}
