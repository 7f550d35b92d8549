package bgp

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// shutdownPoll is how often Shutdown checks the neighbours' progress.
const shutdownPoll = 10 * time.Millisecond

// stopMinBudget is the least time Shutdown gives GoBGP to close the
// sessions.
const stopMinBudget = time.Second

// sessionMark is what Shutdown remembers about an established session that
// carried anycast routes.
type sessionMark struct {
	addr        netip.Addr
	sentBefore  uint64 // UPDATE messages sent before the withdrawal
	expect      uint64 // UPDATE messages the withdrawal needs at least
	written     bool   // GoBGP wrote the withdrawal to the socket
	recvWritten uint64 // messages received when the withdrawal was written
	how         string // how the withdrawal was confirmed
}

// Shutdown withdraws every anycast prefix, waits until each neighbour that
// had them has acknowledged the withdrawal, then closes all sessions (BGP
// Cease) and stops the server. A withdrawal counts as acknowledged when
// GoBGP has written the UPDATE and the neighbour's TCP stack has ACKed all
// data on the session (sock_diag), or, where sock_diag is unavailable, when
// the neighbour has sent another message after it. The wait is bounded by
// ctx and Config.ShutdownTimeout; on timeout the sessions are closed anyway
// and an error names the neighbours that did not confirm. Shutdown is
// idempotent; the speaker cannot be restarted.
func (s *Speaker) Shutdown(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ShutdownTimeout)
	defer cancel()

	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return nil
	}
	wasRunning := s.started
	s.stopped = true
	var marks []*sessionMark
	var withdrawErr error
	if wasRunning {
		marks = s.markSessions(ctx)
		withdrawErr = s.reconcileLocked(time.Now())
	}
	s.mu.Unlock()
	if !wasRunning {
		return nil
	}

	var errs []error
	if withdrawErr != nil {
		errs = append(errs, fmt.Errorf("bgp: shutdown: withdrawing: %w", withdrawErr))
	}
	if pending := s.awaitWithdrawal(ctx, marks); len(pending) > 0 {
		s.m.shutdownForced.Inc()
		s.log.Warn("bgp shutdown: withdrawal not confirmed", "neighbors", pending)
		errs = append(errs, fmt.Errorf("bgp: shutdown: withdrawal not confirmed by %s: %w",
			strings.Join(pending, ", "), context.DeadlineExceeded))
	}
	if err := s.stopServer(ctx); err != nil {
		errs = append(errs, err)
	}
	s.cancel()
	close(s.done)
	s.bg.Wait()
	s.log.Info("bgp speaker stopped")
	return errors.Join(errs...)
}

// markSessions records the established sessions that carry anycast routes
// and how many UPDATEs their withdrawal takes (one per prefix: reconcile
// withdraws each prefix separately).
func (s *Speaker) markSessions(ctx context.Context) []*sessionMark {
	var marks []*sessionMark
	s.srv.ListPeer(ctx, &api.ListPeerRequest{EnableAdvertised: true}, func(p *api.Peer) {
		if p.GetState().GetSessionState() != api.PeerState_SESSION_STATE_ESTABLISHED {
			return
		}
		var advertised uint64
		for _, af := range p.AfiSafis {
			advertised += af.GetState().GetAdvertised()
		}
		addr, err := netip.ParseAddr(p.GetConf().GetNeighborAddress())
		if advertised == 0 || err != nil {
			return
		}
		marks = append(marks, &sessionMark{
			addr:       addr.Unmap(),
			sentBefore: p.GetState().GetMessages().GetSent().GetUpdate(),
			expect:     advertised,
		})
	})
	return marks
}

// awaitWithdrawal waits until every marked session has acknowledged the
// withdrawal or is gone, and returns the neighbours that did not confirm.
func (s *Speaker) awaitWithdrawal(ctx context.Context, marks []*sessionMark) []string {
	tick := time.NewTicker(shutdownPoll)
	defer tick.Stop()
	for len(marks) > 0 {
		peers := make(map[netip.Addr]*api.Peer)
		s.srv.ListPeer(ctx, &api.ListPeerRequest{}, func(p *api.Peer) {
			if a, err := netip.ParseAddr(p.GetConf().GetNeighborAddress()); err == nil {
				peers[a.Unmap()] = p
			}
		})
		remaining := marks[:0]
		for _, m := range marks {
			if !s.confirmed(m, peers[m.addr]) {
				remaining = append(remaining, m)
				continue
			}
			s.log.Info("bgp shutdown: withdrawal confirmed", "neighbor", m.addr, "by", m.how)
		}
		marks = remaining
		if len(marks) == 0 {
			break
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			pending := make([]string, len(marks))
			for i, m := range marks {
				pending[i] = m.addr.String()
			}
			return pending
		}
	}
	return nil
}

// confirmed reports whether the neighbour has the withdrawal (or the
// session is gone, which makes the neighbour drop our routes anyway).
func (s *Speaker) confirmed(m *sessionMark, p *api.Peer) bool {
	if p == nil || p.GetState().GetSessionState() != api.PeerState_SESSION_STATE_ESTABLISHED {
		m.how = "session closed"
		return true
	}
	msgs := p.GetState().GetMessages()
	if !m.written {
		if msgs.GetSent().GetUpdate() < m.sentBefore+m.expect {
			return false
		}
		m.written = true
		m.recvWritten = msgs.GetReceived().GetTotal()
	}
	acked, err := tcpAcked(p)
	if err == nil {
		m.how = "TCP acknowledgement"
		return acked
	}
	// No sock_diag: fall back to a message round (the neighbour sent
	// something after our UPDATE reached its socket).
	m.how = "message round (" + err.Error() + ")"
	return msgs.GetReceived().GetTotal() > m.recvWritten
}

// tcpEstablished is TCP_ESTABLISHED in sock_diag.
const tcpEstablished = 1

// tcpAcked reports whether the neighbour's TCP stack has acknowledged all
// data sent on the session: every established socket between the
// session's addresses has an empty write queue (sock_diag). GoBGP does not
// report the session's ports, so the sockets are matched by address.
func tcpAcked(p *api.Peer) (bool, error) {
	local, err1 := netip.ParseAddr(p.GetTransport().GetLocalAddress())
	remote, err2 := netip.ParseAddr(p.GetConf().GetNeighborAddress())
	if err1 != nil || err2 != nil {
		return false, errors.New("session addresses unknown")
	}
	local, remote = local.Unmap(), remote.Unmap()
	family := uint8(unix.AF_INET)
	if remote.Is6() {
		family = unix.AF_INET6
	}
	socks, err := netlink.SocketDiagTCP(family)
	if errors.Is(err, netlink.ErrDumpInterrupted) {
		return false, nil // try again at the next poll
	}
	if err != nil {
		return false, err
	}
	found := false
	for _, sk := range socks {
		src, _ := netip.AddrFromSlice(sk.ID.Source)
		dst, _ := netip.AddrFromSlice(sk.ID.Destination)
		if sk.State != tcpEstablished || src.Unmap() != local || dst.Unmap() != remote {
			continue
		}
		found = true
		if sk.WQueue != 0 {
			return false, nil
		}
	}
	if !found {
		return false, errors.New("session socket not found")
	}
	return true, nil
}

// stopServer closes all sessions with a Cease NOTIFICATION and stops
// GoBGP and its goroutines, bounded by ctx (at least stopMinBudget). GoBGP
// logs it if stopping fails.
func (s *Speaker) stopServer(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		s.srv.Stop()
		close(done)
	}()
	// Even when the withdrawal wait used up ctx, give the Cease
	// NOTIFICATIONs a moment to go out.
	budget := stopMinBudget
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) > budget {
		budget = time.Until(dl)
	}
	t := time.NewTimer(budget)
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-t.C:
		return fmt.Errorf("bgp: shutdown: the server did not stop within %v", budget)
	}
}
