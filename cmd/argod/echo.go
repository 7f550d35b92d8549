package main

import (
	"log/slog"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/argonet/argo/config"
	"github.com/argonet/argo/overlay"
	"github.com/argonet/argo/prober"
)

// echoConn answers and sends the daemon-liveness echoes (one-hop overlay path
// probes) on the overlay UDP port, so that a peer whose argod died is seen as
// down even though its kernel still answers ICMP.
type echoConn struct {
	conn   *net.UDPConn
	self   uint16
	port   uint16
	prober *prober.Prober
	log    *slog.Logger
	// known maps the underlay addresses of configured PoPs to their ids;
	// packets from anywhere else are dropped (no reflection).
	known atomic.Pointer[map[netip.Addr]uint16]
	epoch time.Time
}

func openEcho(c *config.Config, p *prober.Prober, log *slog.Logger) (*echoConn, error) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{Port: int(c.Overlay.Port)})
	if err != nil {
		return nil, err
	}
	e := &echoConn{conn: conn, self: c.PoP.ID, port: c.Overlay.Port, prober: p, log: log, epoch: time.Now()}
	e.setPeers(c)
	go e.readLoop()
	return e, nil
}

// setPeers updates the set of known PoP addresses.
func (e *echoConn) setPeers(c *config.Config) {
	m := map[netip.Addr]uint16{}
	for _, p := range c.Resolved.Peers {
		for _, a := range p.Underlay {
			m[a] = p.ID
		}
	}
	e.known.Store(&m)
}

// SendEcho implements prober.EchoTransport.
func (e *echoConn) SendEcho(to prober.Target, seq uint16) error {
	var b [overlay.HeaderLen + overlay.ProbeLen]byte
	h, err := overlay.Path(overlay.TypeProbe, e.self, 0, to.ID)
	if err != nil {
		return err
	}
	if err := h.Marshal(b[:]); err != nil {
		return err
	}
	pr := overlay.Probe{Seq: uint32(seq), Sent: int64(time.Since(e.epoch))}
	if err := pr.Marshal(b[overlay.HeaderLen:]); err != nil {
		return err
	}
	_, err = e.conn.WriteToUDPAddrPort(b[:], netip.AddrPortFrom(to.Addr, e.port))
	return err
}

func (e *echoConn) readLoop() {
	buf := make([]byte, 2048)
	for {
		n, from, err := e.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		src, ok := (*e.known.Load())[from.Addr().Unmap()]
		if !ok {
			continue
		}
		b := buf[:n]
		v, _, _ := overlay.Decide(b, e.self)
		if v != overlay.Deliver || overlay.PacketSrc(b) != src {
			continue
		}
		switch overlay.PacketType(b) {
		case overlay.TypeProbe:
			if overlay.ReplyInPlace(b) == nil {
				e.conn.WriteToUDPAddrPort(b, from)
			}
		case overlay.TypeProbeReply:
			if p, err := overlay.ParseProbe(overlay.Payload(b)); err == nil {
				e.prober.EchoReply(src, uint16(p.Seq), time.Now())
			}
		}
	}
}

// Close stops the echo socket.
func (e *echoConn) Close() error { return e.conn.Close() }
