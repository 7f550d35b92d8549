package flow

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// loopback opens a UDP socket on 127.0.0.1.
func loopback(t testing.TB) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func addrOf(c *net.UDPConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }

// TestEchoLoopback: every probe of a flow over loopback comes back, with
// a small RTT, at about the configured rate.
func TestEchoLoopback(t *testing.T) {
	srv := Serve(loopback(t))
	defer srv.Close()
	s, err := NewSender(loopback(t), addrOf(srv.conn), Config{Flow: 4, Kind: Overlay, Rate: 200, Size: 100, Count: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Prime(context.Background(), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	s.Run(context.Background(), t0)
	took := time.Since(t0)
	time.Sleep(200 * time.Millisecond)
	ser := s.Series(t0)
	if len(ser.Sent) != 100 {
		t.Fatalf("%d probes recorded, want 100", len(ser.Sent))
	}
	if took < 450*time.Millisecond || took > 3*time.Second {
		t.Errorf("100 probes at 200/s took %v, want about 0.5 s", took)
	}
	for i, rtt := range ser.RTT {
		if rtt < 0 {
			t.Errorf("probe %d lost on loopback", i)
		} else if rtt > 200*time.Millisecond {
			t.Errorf("probe %d: RTT %v on loopback", i, rtt)
		}
		if i > 0 && ser.Sent[i] < ser.Sent[i-1] {
			t.Errorf("send times out of order at %d", i)
		}
	}
	if ser.Sent[99]-ser.Sent[0] < 450*time.Millisecond {
		t.Errorf("first to last probe %v, want about 495 ms", ser.Sent[99]-ser.Sent[0])
	}
	if srv.Echoed() < 100 {
		t.Errorf("server echoed %d", srv.Echoed())
	}
	if s.late.Load() != 0 {
		t.Errorf("%d replies without kernel timestamp", s.late.Load())
	}
}

// TestServerDropsGarbage: the echo server is not a reflector: anything but
// a well-formed probe is dropped and counted.
func TestServerDropsGarbage(t *testing.T) {
	srv := Serve(loopback(t))
	defer srv.Close()
	c := loopback(t)
	defer c.Close()
	junk := [][]byte{[]byte("hello"), make([]byte, 100), append([]byte("asim\x02"), make([]byte, 40)...)}
	for _, j := range junk {
		if _, err := c.WriteToUDPAddrPort(j, addrOf(srv.conn)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for srv.Invalid() < uint64(len(junk)) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if srv.Invalid() != uint64(len(junk)) || srv.Echoed() != 0 {
		t.Fatalf("invalid %d echoed %d, want %d and 0", srv.Invalid(), srv.Echoed(), len(junk))
	}
	_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, _, err := c.ReadFromUDPAddrPort(make([]byte, 100)); err == nil {
		t.Fatalf("got a %d-byte answer to garbage", n)
	}
}

// TestSenderIgnoresForeignReplies: replies of another flow, kind or a
// forged send time do not count as echoes.
func TestSenderIgnoresForeignReplies(t *testing.T) {
	s2, err := NewSender(loopback(t), netip.MustParseAddrPort("127.0.0.1:9"), Config{Flow: 1, Kind: Overlay, Rate: 1, Size: 24, Count: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	s2.sent[2].Store(1000)
	b := make([]byte, HeaderLen)
	for _, h := range []Header{
		{Kind: Overlay, Flow: 2, Seq: 2, SentNs: 1000}, // other flow
		{Kind: Direct, Flow: 1, Seq: 2, SentNs: 1000},  // other kind
		{Kind: Overlay, Flow: 1, Seq: 2, SentNs: 999},  // forged time
		{Kind: Overlay, Flow: 1, Seq: 7, SentNs: 1000}, // never sent
	} {
		h.Put(b)
		s2.record(b, 5000)
	}
	if got := s2.rtt[2].Load(); got != -1 {
		t.Fatalf("foreign replies recorded RTT %d", got)
	}
	Header{Kind: Overlay, Flow: 1, Seq: 2, SentNs: 1000}.Put(b)
	s2.record(b, 5000)
	s2.record(b, 9000) // duplicate: the first answer counts
	if got := s2.rtt[2].Load(); got != 4000 {
		t.Fatalf("RTT %d, want 4000", got)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := Config{Flow: 1, Kind: Direct, Rate: 50, Size: 512, Count: 10}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		c    Config
		want string
	}{
		{Config{Kind: 3, Rate: 1, Size: 1, Count: 1}, "kind"},
		{Config{Kind: Overlay, Rate: 0, Size: 1, Count: 1}, "rate"},
		{Config{Kind: Overlay, Rate: 1, Size: 2000, Count: 1}, "size"},
		{Config{Kind: Overlay, Rate: 1, Size: 1, Count: 0}, "count"},
	}
	for _, b := range bad {
		if err := b.c.Validate(); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%+v: %v, want an error about %s", b.c, err, b.want)
		}
	}
}
