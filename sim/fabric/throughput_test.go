package fabric

import (
	"encoding/binary"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/ipv4"
)

// blast sends UDP datagrams of size bytes from node i to node j for d,
// as fast as sendmmsg allows, and returns how many were sent. Each payload
// starts with a sequence number.
func (tn *testNet) blast(t testing.TB, i, j, port, size int, d time.Duration, pps int) uint64 {
	t.Helper()
	c := tn.udpConn(t, i, 0)
	pc := ipv4.NewPacketConn(c)
	dst := &net.UDPAddr{IP: tn.addr[j].AsSlice(), Port: port}
	const batch = 32
	msgs := make([]ipv4.Message, batch)
	for k := range msgs {
		msgs[k] = ipv4.Message{Buffers: [][]byte{make([]byte, size)}, Addr: dst}
	}
	var seq uint64
	start := time.Now()
	for time.Since(start) < d {
		if pps > 0 { // pace: keep seq at pps * elapsed
			if ahead := time.Duration(float64(seq)/float64(pps)*float64(time.Second)) - time.Since(start); ahead > 0 {
				time.Sleep(ahead)
			}
		}
		for k := range msgs {
			binary.BigEndian.PutUint64(msgs[k].Buffers[0], seq+uint64(k))
		}
		n, err := pc.WriteBatch(msgs, 0)
		if err != nil {
			continue // ENOBUFS under overload: retry
		}
		seq += uint64(n)
	}
	return seq
}

// blastN sends exactly n datagrams evenly over d (sequence numbers 0..n-1).
func (tn *testNet) blastN(t testing.TB, i, j, port, size, n int, d time.Duration) uint64 {
	t.Helper()
	c := tn.udpConn(t, i, 0)
	dst := &net.UDPAddr{IP: tn.addr[j].AsSlice(), Port: port}
	buf := make([]byte, size)
	start := time.Now()
	for k := range n {
		if ahead := time.Duration(int64(d)*int64(k)/int64(n)) - time.Since(start); ahead > 0 {
			time.Sleep(ahead)
		}
		binary.BigEndian.PutUint64(buf, uint64(k))
		if _, err := c.WriteToUDP(buf, dst); err != nil {
			t.Fatalf("send %d: %v", k, err)
		}
	}
	return uint64(n)
}

// receiver counts the datagrams arriving at node j's port and records the
// sequence numbers seen.
type receiver struct {
	count atomic.Uint64
	bytes atomic.Uint64
	first atomic.Int64
	last  atomic.Int64
	seen  []bool
	done  chan struct{}
	conn  *net.UDPConn
}

func (tn *testNet) receive(t testing.TB, j, port int, maxSeq int) *receiver {
	t.Helper()
	r := &receiver{conn: tn.udpConn(t, j, port), done: make(chan struct{}), seen: make([]bool, maxSeq)}
	pc := ipv4.NewPacketConn(r.conn)
	msgs := make([]ipv4.Message, 64)
	for k := range msgs {
		msgs[k].Buffers = [][]byte{make([]byte, 2048)}
	}
	go func() {
		defer close(r.done)
		for {
			n, err := pc.ReadBatch(msgs, 0)
			if err != nil {
				return
			}
			now := time.Now().UnixNano()
			r.first.CompareAndSwap(0, now)
			r.last.Store(now)
			for _, m := range msgs[:n] {
				r.count.Add(1)
				r.bytes.Add(uint64(m.N))
				if m.N >= 8 {
					if s := binary.BigEndian.Uint64(m.Buffers[0]); s < uint64(len(r.seen)) {
						r.seen[s] = true
					}
				}
			}
		}
	}()
	return r
}

// stop closes the socket and waits for the reader; the counters are final.
func (r *receiver) stop() {
	r.conn.Close()
	<-r.done
}

// TestThroughput: the fabric forwards at least 50,000 packets/s between two
// PoPs (1 ms delay). Two senders offer more than that; the rate counted is
// what arrives. The machine is shared with other builds, so a 2-second run
// is tried up to three times and the best one counts.
func TestThroughput(t *testing.T) {
	skipUnderRace(t)
	tn := newTestNet(t, 2)
	if err := tn.f.SetLink("a", "b", LinkParams{Delay: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	warmup(t, tn, 0, 1)
	best := 0.0
	for attempt := range 3 {
		port := 9000 + attempt
		r := tn.receive(t, 1, port, 0)
		var wg sync.WaitGroup
		var sent atomic.Uint64
		for range 2 {
			wg.Go(func() { sent.Add(tn.blast(t, 0, 1, port, 64, 2*time.Second, 0)) })
		}
		wg.Wait()
		time.Sleep(50 * time.Millisecond)
		r.stop()
		got := r.count.Load()
		elapsed := time.Duration(r.last.Load() - r.first.Load())
		pps := float64(got) / elapsed.Seconds()
		st, _ := tn.f.Stats()
		t.Logf("sent %d, received %d in %v: %.0f packets/s (ring drops %d)", sent.Load(), got, elapsed, pps, st.RingDrops)
		best = max(best, pps)
		if best >= 50000 {
			return
		}
	}
	t.Fatalf("fabric forwarded at best %.0f packets/s, want >= 50000", best)
}

// warmup resolves ARP between nodes i and j with a ping each way.
func warmup(t testing.TB, tn *testNet, i, j int) {
	t.Helper()
	for _, d := range [][2]int{{i, j}, {j, i}} {
		if _, ok := tn.newPinger(t, d[0], d[1]).ping(1); !ok {
			t.Fatalf("no ping reply %s -> %s", tn.names[d[0]], tn.names[d[1]])
		}
	}
}
