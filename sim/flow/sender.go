package flow

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"time"
)

// Limits of a Config.
const (
	MaxRate  = 100000
	MaxCount = 10_000_000
	MaxSize  = 1400
)

// Config describes one measured flow.
type Config struct {
	Flow  uint16 // id written into every probe
	Kind  Kind   // Overlay or Direct
	Rate  int    // probes per second
	Size  int    // UDP payload bytes (at least HeaderLen)
	Count int    // probes to send in Run
}

// Validate names the first field out of range.
func (c Config) Validate() error {
	switch {
	case c.Kind != Overlay && c.Kind != Direct:
		return fmt.Errorf("kind %#x: want Overlay or Direct", uint8(c.Kind))
	case c.Rate < 1 || c.Rate > MaxRate:
		return fmt.Errorf("rate %d outside [1, %d]", c.Rate, MaxRate)
	case c.Size < 1 || c.Size > MaxSize:
		return fmt.Errorf("size %d outside [1, %d]", c.Size, MaxSize)
	case c.Count < 1 || c.Count > MaxCount:
		return fmt.Errorf("count %d outside [1, %d]", c.Count, MaxCount)
	}
	return nil
}

// Sender sends a flow's probes and records their fate.
type Sender struct {
	cfg   Config
	conn  *net.UDPConn
	dst   netip.AddrPort
	sent  []atomic.Int64 // send time, Unix ns; 0 = not sent
	rtt   []atomic.Int64 // round-trip time ns; -1 = no reply (yet)
	n     atomic.Int64   // probes sent so far
	prime atomic.Bool    // a warm-up probe came back
	late  atomic.Uint64  // replies without a kernel timestamp
	done  chan struct{}
}

// NewSender prepares a flow from conn (which the Sender owns from now on)
// to the echo server at dst, and starts receiving replies.
func NewSender(conn *net.UDPConn, dst netip.AddrPort, c Config) (*Sender, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("flow %d: %w", c.Flow, err)
	}
	if err := prepareSender(conn); err != nil {
		return nil, fmt.Errorf("flow %d: socket options: %w", c.Flow, err)
	}
	s := &Sender{cfg: c, conn: conn, dst: dst,
		sent: make([]atomic.Int64, c.Count), rtt: make([]atomic.Int64, c.Count), done: make(chan struct{})}
	for i := range s.rtt {
		s.rtt[i].Store(-1)
	}
	go s.receive()
	return s, nil
}

// receive records replies until the socket is closed.
func (s *Sender) receive() {
	defer close(s.done)
	buf := make([]byte, maxPacket)
	oob := make([]byte, oobSize)
	for {
		n, oobn, _, _, err := s.conn.ReadMsgUDPAddrPort(buf, oob)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		at, ok := rxTimestamp(oob[:oobn])
		if !ok {
			at = time.Now().UnixNano()
			s.late.Add(1)
		}
		s.record(buf[:n], at)
	}
}

// record stores the round-trip time of reply p received at Unix ns at.
func (s *Sender) record(p []byte, at int64) {
	h, err := Parse(p)
	if err != nil || h.Flow != s.cfg.Flow || h.Kind&^Prime != s.cfg.Kind {
		return
	}
	if h.Kind&Prime != 0 {
		s.prime.Store(true)
		return
	}
	if h.Seq >= uint32(len(s.rtt)) || s.sent[h.Seq].Load() != h.SentNs {
		return // not a probe this Sender sent
	}
	s.rtt[h.Seq].CompareAndSwap(-1, max(at-h.SentNs, 0))
}

// Prime sends warm-up probes every 50 ms until one comes back (ARP
// resolved, WireGuard sessions up), ctx ends or timeout passes.
func (s *Sender) Prime(ctx context.Context, timeout time.Duration) error {
	buf := make([]byte, max(s.cfg.Size, HeaderLen))
	deadline := time.Now().Add(timeout)
	for seq := uint32(0); !s.prime.Load(); seq++ {
		if time.Now().After(deadline) {
			return fmt.Errorf("flow %d: no echo from %v within %v", s.cfg.Flow, s.dst, timeout)
		}
		Header{Kind: s.cfg.Kind | Prime, Flow: s.cfg.Flow, Seq: seq, SentNs: time.Now().UnixNano()}.Put(buf)
		_, _ = s.conn.WriteToUDPAddrPort(buf, s.dst)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// Run sends Count probes at Rate, the first at t0, and returns when all are
// sent or ctx ends. A probe that is due while the previous one is late
// leaves at once; its real send time is recorded.
func (s *Sender) Run(ctx context.Context, t0 time.Time) {
	buf := make([]byte, max(s.cfg.Size, HeaderLen))
	interval := time.Second / time.Duration(s.cfg.Rate)
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for i := range s.cfg.Count {
		due := t0.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
		} else if ctx.Err() != nil {
			return
		}
		now := time.Now().UnixNano()
		Header{Kind: s.cfg.Kind, Flow: s.cfg.Flow, Seq: uint32(i), SentNs: now}.Put(buf)
		s.sent[i].Store(now)
		_, _ = s.conn.WriteToUDPAddrPort(buf, s.dst) // an unsent probe is a lost probe
		s.n.Store(int64(i + 1))
	}
}

// Close stops receiving and closes the socket.
func (s *Sender) Close() error {
	err := s.conn.Close()
	<-s.done
	return err
}

// Sent returns how many probes have been sent.
func (s *Sender) Sent() int { return int(s.n.Load()) }

// Series returns what was recorded so far, times relative to t0: one entry
// per probe sent, its RTT or -1 if no reply arrived (yet).
func (s *Sender) Series(t0 time.Time) Series {
	n := s.Sent()
	out := Series{Sent: make([]time.Duration, n), RTT: make([]time.Duration, n)}
	base := t0.UnixNano()
	for i := range n {
		out.Sent[i] = time.Duration(s.sent[i].Load() - base)
		out.RTT[i] = time.Duration(s.rtt[i].Load())
	}
	return out
}

// Series is the record of one flow: Sent[i] is when probe i left, relative
// to the start of the timeline, RTT[i] its round-trip time or Lost.
type Series struct {
	Sent []time.Duration
	RTT  []time.Duration
}

// Lost marks a probe without a reply in Series.RTT.
const Lost = time.Duration(-1)
