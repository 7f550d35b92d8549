package flow

import (
	"net/netip"
	"testing"
	"time"
)

func BenchmarkParse(b *testing.B) {
	p := make([]byte, 512)
	Header{Kind: Overlay, Flow: 1, Seq: 2, SentNs: 3}.Put(p)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecord is the receive path's work per reply.
func BenchmarkRecord(b *testing.B) {
	s, err := NewSender(loopback(b), netip.MustParseAddrPort("127.0.0.1:9"), Config{Flow: 1, Kind: Overlay, Rate: 1, Size: 64, Count: 1 << 16})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	p := make([]byte, 64)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		seq := uint32(i & (1<<16 - 1))
		s.sent[seq].Store(int64(i + 1))
		s.rtt[seq].Store(-1)
		Header{Kind: Overlay, Flow: 1, Seq: seq, SentNs: int64(i + 1)}.Put(p)
		s.record(p, int64(i+100))
		i++
	}
}

// BenchmarkEchoRoundTrip sends probes through a Server on loopback and
// waits for each reply: the per-packet cost of the whole measurement path
// (two sendto, two recvmsg, parsing).
func BenchmarkEchoRoundTrip(b *testing.B) {
	srv := Serve(loopback(b))
	defer srv.Close()
	c := loopback(b)
	defer c.Close()
	if err := prepareSender(c); err != nil {
		b.Fatal(err)
	}
	dst := addrOf(srv.conn)
	p := make([]byte, 512)
	in := make([]byte, maxPacket)
	oob := make([]byte, oobSize)
	_ = c.SetReadDeadline(time.Now().Add(time.Minute))
	b.ReportAllocs()
	seq := uint32(0)
	for b.Loop() {
		Header{Kind: Overlay, Flow: 1, Seq: seq, SentNs: time.Now().UnixNano()}.Put(p)
		if _, err := c.WriteToUDPAddrPort(p, dst); err != nil {
			b.Fatal(err)
		}
		n, oobn, _, _, err := c.ReadMsgUDPAddrPort(in, oob)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := rxTimestamp(oob[:oobn]); !ok {
			b.Fatal("no kernel timestamp")
		}
		if _, err := Parse(in[:n]); err != nil {
			b.Fatal(err)
		}
		seq++
	}
}

// TestNoAllocationsPerPacket: the echo server's and the receiver's per
// packet work allocates nothing.
func TestNoAllocationsPerPacket(t *testing.T) {
	s, err := NewSender(loopback(t), netip.MustParseAddrPort("127.0.0.1:9"), Config{Flow: 1, Kind: Overlay, Rate: 1, Size: 64, Count: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv := &Server{}
	p := make([]byte, 64)
	Header{Kind: Overlay, Flow: 1, Seq: 3, SentNs: 7}.Put(p)
	s.sent[3].Store(7)
	if n := testing.AllocsPerRun(1000, func() { s.record(p, 100) }); n != 0 {
		t.Errorf("Sender.record allocates %v per reply", n)
	}
	if n := testing.AllocsPerRun(1000, func() { srv.handle(p) }); n != 0 {
		t.Errorf("Server.handle allocates %v per probe", n)
	}
}
