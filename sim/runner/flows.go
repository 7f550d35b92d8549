package runner

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/argonet/argo/sim/flow"
	"github.com/argonet/argo/sim/lab"
	"github.com/argonet/argo/sim/report"
	"github.com/argonet/argo/sim/scenario"
)

// EchoPort is the UDP port of the echo servers (in the origin namespaces
// and on the PoPs' underlay addresses).
const EchoPort = 7007

// flowRun is one scenario flow being measured: through the overlay from
// the client to the origin, and directly between the two PoPs' underlay
// addresses over the emulated Internet (the same fabric links, without
// the overlay).
type flowRun struct {
	spec            scenario.Flow
	ingress, egress string
	overlay, direct *flow.Sender // direct is nil when both ends share a PoP
}

// measurement owns the echo servers and the flows' senders.
type measurement struct {
	servers []*flow.Server
	flows   []*flowRun
	closed  sync.Once
}

// listenIn opens a UDP socket bound to addr inside namespace ns.
func listenIn(ns string, addr netip.AddrPort) (*net.UDPConn, error) {
	var c *net.UDPConn
	err := lab.InNetns(ns, func() error {
		var err error
		c, err = net.ListenUDP("udp4", net.UDPAddrFromAddrPort(addr))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("udp socket %v in %s: %w", addr, ns, err)
	}
	return c, nil
}

// newMeasurement starts an echo server in every origin namespace and on
// every egress PoP's underlay address, and a pair of senders per flow.
func newMeasurement(l *lab.Lab) (m *measurement, err error) {
	m = &measurement{}
	defer func() {
		if err != nil {
			m.close()
		}
	}()
	s, plan := l.Scenario, l.Plan
	echoAt := func(ns string, addr netip.Addr) error {
		c, err := listenIn(ns, netip.AddrPortFrom(addr, EchoPort))
		if err != nil {
			return err
		}
		m.servers = append(m.servers, flow.Serve(c))
		return nil
	}
	direct := map[string]bool{}
	for _, o := range plan.Origins {
		if err := echoAt(o.Netns, o.Addr); err != nil {
			return m, err
		}
	}
	secs := s.Duration.Seconds()
	for k, f := range s.Flows {
		c, _ := plan.Client(f.Client)
		o, _ := plan.Origin(f.Origin)
		fr := &flowRun{spec: f, ingress: c.Pop, egress: o.Pop}
		m.flows = append(m.flows, fr)
		cfg := flow.Config{Flow: uint16(k + 1), Kind: flow.Overlay, Rate: f.Rate, Size: f.Size,
			Count: max(1, int(float64(f.Rate)*secs))}
		conn, err := listenIn(c.Netns, netip.AddrPortFrom(c.Addr, 0))
		if err != nil {
			return m, err
		}
		if fr.overlay, err = flow.NewSender(conn, netip.AddrPortFrom(o.Addr, EchoPort), cfg); err != nil {
			conn.Close()
			return m, err
		}
		if fr.ingress == fr.egress {
			continue
		}
		in, _ := plan.Pop(fr.ingress)
		eg, _ := plan.Pop(fr.egress)
		if !direct[eg.Name] {
			if err := echoAt(eg.Netns, eg.Underlay.Addr()); err != nil {
				return m, err
			}
			direct[eg.Name] = true
		}
		if conn, err = listenIn(in.Netns, netip.AddrPortFrom(in.Underlay.Addr(), 0)); err != nil {
			return m, err
		}
		cfg.Kind = flow.Direct
		if fr.direct, err = flow.NewSender(conn, netip.AddrPortFrom(eg.Underlay.Addr(), EchoPort), cfg); err != nil {
			conn.Close()
			return m, err
		}
	}
	return m, nil
}

// senders lists every sender with a name for messages.
func (m *measurement) senders() map[string]*flow.Sender {
	out := map[string]*flow.Sender{}
	for _, f := range m.flows {
		out[f.spec.Name+" overlay"] = f.overlay
		if f.direct != nil {
			out[f.spec.Name+" direct"] = f.direct
		}
	}
	return out
}

// prime sends warm-up probes on every flow until each is echoed once. The
// flows are primed one after another: two PoPs whose first packets to each
// other leave at the same moment both initiate a WireGuard handshake, the
// initiations cross, each side drops the other's response, and with
// traffic waiting both retry in lockstep every 5 s (REKEY_TIMEOUT), so
// the pair may never get a session.
func (m *measurement) prime(ctx context.Context, timeout time.Duration) error {
	var errs []error
	for _, f := range m.flows {
		for _, s := range []*flow.Sender{f.overlay, f.direct} {
			if s == nil {
				continue
			}
			if err := s.Prime(ctx, timeout); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				errs = append(errs, fmt.Errorf("%s: %w", f.spec.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// run sends every flow's probes from t0 until done or ctx ends.
func (m *measurement) run(ctx context.Context, t0 time.Time) {
	var wg sync.WaitGroup
	for _, s := range m.senders() {
		wg.Add(1)
		go func() { defer wg.Done(); s.Run(ctx, t0) }()
	}
	wg.Wait()
}

// inputs returns the flows' records for the report.
func (m *measurement) inputs(t0 time.Time) []report.FlowInput {
	var out []report.FlowInput
	for _, f := range m.flows {
		fi := report.FlowInput{Name: f.spec.Name, Client: f.spec.Client, Origin: f.spec.Origin,
			Ingress: f.ingress, Egress: f.egress, Rate: f.spec.Rate, Size: f.spec.Size,
			Overlay: f.overlay.Series(t0)}
		if f.direct != nil {
			fi.Direct = f.direct.Series(t0)
		}
		out = append(out, fi)
	}
	return out
}

// close stops every sender and server (once).
func (m *measurement) close() {
	m.closed.Do(func() {
		for _, s := range m.senders() {
			if s != nil {
				s.Close()
			}
		}
		for _, s := range m.servers {
			s.Close()
		}
	})
}
