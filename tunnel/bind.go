package tunnel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"golang.zx2c4.com/wireguard/conn"

	"github.com/argonet/argo/overlay"
)

// defaultBatchSize is the number of datagrams per recvmmsg/sendmmsg call.
const defaultBatchSize = 64

// sendPoolSize bounds the send batches kept for reuse (one per concurrent
// sender is enough: WireGuard sends from one goroutine per peer).
const sendPoolSize = 32

// socketBufferBytes is the socket send and receive buffer size asked for.
const socketBufferBytes = 4 << 20

// errClosedSocket reports a send on a closed (or not yet opened) Bind.
var errClosedSocket = fmt.Errorf("tunnel: overlay socket: %w", net.ErrClosed)

// udpSocket is an open overlay socket.
type udpSocket struct {
	conn *net.UDPConn
	rc   syscall.RawConn
}

// bind is the backbone's conn.Bind: one UDP socket on the overlay port.
// Send prepends the overlay header of the current path to the destination
// PoP and sends to the path's first hop; receive delivers datagrams for this
// PoP to WireGuard, relays transit datagrams, answers probes and hands probe
// replies to the prober. Send and receive take no lock and allocate nothing.
type bind struct {
	self   uint16
	listen netip.Addr // unspecified: all addresses
	v6     bool       // the socket is AF_INET6 (dual-stack or IPv6 only)
	pops   *popSet
	ns     nsHandle
	log    *slog.Logger
	cnt    *counters
	batch  int

	table    atomic.Pointer[table]
	sock     atomic.Pointer[udpSocket]
	sendPool chan *mmsgBatch // free send batches; unlike sync.Pool, GC never empties it

	// onProbeReply receives probe replies for this PoP. Set before Open;
	// called on the receive goroutine, so it must not block.
	onProbeReply func(src uint16, p overlay.Probe, at time.Time)

	mu sync.Mutex // serialises Open and Close
}

var _ conn.Bind = (*bind)(nil)

func newBind(self uint16, listen netip.Addr, pops *popSet, ns nsHandle, log *slog.Logger, cnt *counters) *bind {
	b := &bind{self: self, listen: listen, pops: pops, ns: ns, log: log, cnt: cnt, batch: defaultBatchSize}
	b.v6 = listen.Is6() && !listen.Is4In6()
	for _, p := range pops.list {
		if !p.underlay.Addr().Unmap().Is4() {
			b.v6 = true
		}
	}
	b.sendPool = make(chan *mmsgBatch, sendPoolSize)
	b.table.Store(buildTable(pops, directRoutes(self, pops), func(string) bool { return true }))
	return b
}

// network returns the socket network and address to listen on.
func (b *bind) network(port uint16) (string, string) {
	switch {
	case b.listen.IsValid() && !b.v6:
		return "udp4", netip.AddrPortFrom(b.listen.Unmap(), port).String()
	case b.listen.IsValid():
		return "udp6", netip.AddrPortFrom(b.listen, port).String()
	case b.v6:
		return "udp", ":" + strconv.Itoa(int(port)) // dual-stack
	}
	return "udp4", "0.0.0.0:" + strconv.Itoa(int(port))
}

// setBuffers enlarges the socket buffers (forcing past rmem_max when root).
func setBuffers(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		for _, o := range [][2]int{{unix.SO_RCVBUFFORCE, unix.SO_RCVBUF}, {unix.SO_SNDBUFFORCE, unix.SO_SNDBUF}} {
			if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, o[0], socketBufferBytes) != nil {
				serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, o[1], socketBufferBytes)
			}
		}
	})
	if err != nil {
		return err
	}
	return serr
}

// Open implements conn.Bind. The socket is created in the Bind's network
// namespace whatever thread calls Open.
func (b *bind) Open(port uint16) ([]conn.ReceiveFunc, uint16, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sock.Load() != nil {
		return nil, 0, conn.ErrBindAlreadyOpen
	}
	network, address := b.network(port)
	var pc net.PacketConn
	err := b.ns.do(func() error {
		var err error
		lc := net.ListenConfig{Control: setBuffers}
		pc, err = lc.ListenPacket(context.Background(), network, address)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("tunnel: listen on overlay port %s: %w", address, err)
	}
	uc := pc.(*net.UDPConn)
	rc, err := uc.SyscallConn()
	if err != nil {
		uc.Close()
		return nil, 0, fmt.Errorf("tunnel: overlay socket: %w", err)
	}
	s := &udpSocket{conn: uc, rc: rc}
	b.sock.Store(s)
	r := newReceiver(b, s)
	return []conn.ReceiveFunc{r.receive}, uint16(uc.LocalAddr().(*net.UDPAddr).Port), nil
}

// Close implements conn.Bind; the receive functions then return net.ErrClosed.
func (b *bind) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.sock.Swap(nil)
	if s == nil {
		return nil
	}
	return s.conn.Close()
}

// SetMark implements conn.Bind (SO_MARK on the overlay socket).
func (b *bind) SetMark(mark uint32) error {
	s := b.sock.Load()
	if s == nil {
		return nil
	}
	var serr error
	if err := s.rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK, int(mark))
	}); err != nil {
		return err
	}
	return serr
}

// ParseEndpoint implements conn.Bind: "pop:<id>" of a configured peer.
func (b *bind) ParseEndpoint(s string) (conn.Endpoint, error) {
	return b.pops.parseEndpoint(s)
}

// BatchSize implements conn.Bind.
func (b *bind) BatchSize() int { return b.batch }

// Send implements conn.Bind: it prepends the active path's header to every
// datagram and sends them to the path's first hop in one sendmmsg.
func (b *bind) Send(bufs [][]byte, ep conn.Endpoint) error {
	e, ok := ep.(*Endpoint)
	if !ok {
		return conn.ErrWrongEndpointType
	}
	s := b.sock.Load()
	if s == nil {
		return net.ErrClosed
	}
	p := b.table.Load().bySlot[e.pop.slot]
	if p == nil {
		b.cnt.v[cNoRoute].Add(uint64(len(bufs)))
		return nil
	}
	m := b.getBatch()
	sa, salen := p.first.sockaddr(b.v6)
	for _, buf := range bufs {
		m.addSend(p.hdr[:], buf, sa, salen)
	}
	sent, failed, lastErr, err := m.send(s.rc)
	b.putBatch(m)
	b.cnt.v[cSent].Add(uint64(sent))
	if failed > 0 {
		b.cnt.v[cSendErrors].Add(uint64(failed))
	}
	if err != nil {
		return err
	}
	if sent == 0 && lastErr != nil {
		return lastErr
	}
	return nil
}

// sendRaw sends one datagram of hdr and body to PoP to (probes and echoes).
func (b *bind) sendRaw(hdr, body []byte, to *pop) error {
	s := b.sock.Load()
	if s == nil {
		return errClosedSocket
	}
	m := b.getBatch()
	sa, salen := to.sockaddr(b.v6)
	m.addSend(hdr, body, sa, salen)
	sent, _, lastErr, err := m.send(s.rc)
	b.putBatch(m)
	if err != nil {
		return err
	}
	if sent == 0 {
		b.cnt.v[cSendErrors].Add(1)
		if lastErr == nil {
			lastErr = errors.New("not sent")
		}
		return fmt.Errorf("tunnel: send to pop %d (%s): %w", to.id, to.underlay, lastErr)
	}
	return nil
}

// getBatch takes a free send batch or makes one.
func (b *bind) getBatch() *mmsgBatch {
	select {
	case m := <-b.sendPool:
		return m
	default:
		return newMmsgBatch(b.batch)
	}
}

// putBatch clears m and keeps it for reuse if there is room.
func (b *bind) putBatch(m *mmsgBatch) {
	m.reset()
	select {
	case b.sendPool <- m:
	default:
	}
}
