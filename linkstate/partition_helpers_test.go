package linkstate

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

// partition cuts the network between groups of test nodes: a cut transport
// drops datagrams to and from the other side and refuses to dial it. Both
// sides refusing to dial each other blocks TCP too (inbound streams cannot
// be attributed to a peer: their source ports are ephemeral).
type partition struct {
	mu   sync.Mutex
	side map[netip.AddrPort]int
	cut  bool
}

func newPartition() *partition { return &partition{side: make(map[netip.AddrPort]int)} }

func (p *partition) setCut(cut bool) {
	p.mu.Lock()
	p.cut = cut
	p.mu.Unlock()
}

// blocked reports whether traffic between self and peer is cut.
func (p *partition) blocked(self netip.AddrPort, peer string) bool {
	ap, err := netip.ParseAddrPort(peer)
	if err != nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok1 := p.side[self]
	b, ok2 := p.side[netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())]
	return p.cut && ok1 && ok2 && a != b
}

// wrap returns a transport wrapper for a node on the given side.
func (p *partition) wrap(side int) wrapTransport {
	return func(inner memberlist.NodeAwareTransport) memberlist.NodeAwareTransport {
		nt := inner.(*memberlist.NetTransport)
		self := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(nt.GetAutoBindPort()))
		p.mu.Lock()
		p.side[self] = side
		p.mu.Unlock()
		t := &cutTransport{NodeAwareTransport: inner, p: p, self: self, in: make(chan *memberlist.Packet), stop: make(chan struct{})}
		go t.filter()
		return t
	}
}

type cutTransport struct {
	memberlist.NodeAwareTransport
	p    *partition
	self netip.AddrPort
	in   chan *memberlist.Packet
	stop chan struct{}
	once sync.Once
}

var errCut = errors.New("partitioned (test)")

func (t *cutTransport) filter() {
	for {
		select {
		case <-t.stop:
			return
		case pkt := <-t.NodeAwareTransport.PacketCh():
			if t.p.blocked(t.self, pkt.From.String()) {
				continue
			}
			select {
			case t.in <- pkt:
			case <-t.stop:
				return
			}
		}
	}
}

func (t *cutTransport) PacketCh() <-chan *memberlist.Packet { return t.in }

func (t *cutTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	if t.p.blocked(t.self, addr) {
		return time.Now(), nil // lost on the way
	}
	return t.NodeAwareTransport.WriteTo(b, addr)
}

func (t *cutTransport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	if t.p.blocked(t.self, a.Addr) {
		return time.Now(), nil
	}
	return t.NodeAwareTransport.WriteToAddress(b, a)
}

func (t *cutTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	if t.p.blocked(t.self, addr) {
		return nil, errCut
	}
	return t.NodeAwareTransport.DialTimeout(addr, timeout)
}

func (t *cutTransport) DialAddressTimeout(a memberlist.Address, timeout time.Duration) (net.Conn, error) {
	if t.p.blocked(t.self, a.Addr) {
		return nil, errCut
	}
	return t.NodeAwareTransport.DialAddressTimeout(a, timeout)
}

// Shutdown stops the inner transport first: its listeners block on the
// packet channel until filter (still draining) lets them go.
func (t *cutTransport) Shutdown() error {
	err := t.NodeAwareTransport.Shutdown()
	t.once.Do(func() { close(t.stop) })
	return err
}
