package tunnel

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vishvananda/netlink"
	"golang.zx2c4.com/wireguard/device"
)

// Backbone is one PoP's end of the backbone: a wireguard-go device whose
// peers are all other PoPs, on the source-routing overlay Bind.
type Backbone struct {
	cfg  Config
	log  *slog.Logger
	reg  prometheus.Registerer
	col  *collector
	ns   nsHandle
	nl   *netlink.Handle
	pops *popSet
	bind *bind
	tun  *nsTUN
	dev  *device.Device
	cnt  *counters

	mu       sync.Mutex              // guards what follows and table swaps
	dests    map[uint16]*destRoute   // routes as set (direct defaults merged in)
	prefixes map[netip.Prefix]uint16 // served prefixes installed, by owner PoP
	prober   *prober                 // nil when probing is disabled
	closed   bool
	cleanup  []func() // undo steps of New, run by Close

	onEcho atomic.Pointer[func(peer, seq uint16, at time.Time)]
}

// New creates the backbone device described by cfg in its network
// namespace, configures WireGuard and the interface, and starts the path
// probes. Close undoes all of it.
func New(cfg Config, log *slog.Logger, reg prometheus.Registerer) (_ *Backbone, err error) {
	if log == nil || reg == nil {
		return nil, errors.New("tunnel: New needs a logger and a registerer")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	cfg.Peers = append([]Peer(nil), cfg.Peers...)
	key, err := readPrivateKey("private_key_file", cfg.PrivateKeyFile)
	if err != nil {
		return nil, err
	}
	log = log.With("pop", cfg.ID, "interface", cfg.Interface)
	b := &Backbone{cfg: cfg, log: log, reg: reg, cnt: &counters{}, prefixes: map[netip.Prefix]uint16{}}
	defer func() {
		if err != nil {
			b.undo()
		}
	}()

	if b.ns, err = openNS(cfg.NetNS); err != nil {
		return nil, err
	}
	b.cleanup = append(b.cleanup, b.ns.close)
	if b.nl, err = netlink.NewHandleAt(b.ns.ns); err != nil {
		return nil, fmt.Errorf("tunnel: netlink in namespace %q: %w", cfg.NetNS, err)
	}
	b.cleanup = append(b.cleanup, b.nl.Close)

	b.pops = newPopSet(cfg.Peers)
	b.dests = directRoutes(cfg.ID, b.pops)
	b.bind = newBind(cfg.ID, cfg.ListenAddr, b.pops, b.ns, log, b.cnt)
	b.bind.onProbeReply = b.handleProbeReply
	if cfg.OnEchoReply != nil {
		b.SetEchoHandler(cfg.OnEchoReply)
	}
	if cfg.Probe.Interval > 0 {
		b.prober = newProber(b) // before the device receives: the receive path reads b.prober
		b.prober.syncPaths(b.dests)
	}

	if b.tun, err = createTUN(b.ns, b.nl, cfg.Interface, cfg.TunnelMTU()); err != nil {
		return nil, err
	}
	b.dev = device.NewDevice(b.tun, b.bind, wgLogger(log.With("wg", cfg.Interface)))
	b.cleanup = append(b.cleanup, b.dev.Close) // closes the TUN and the Bind
	if err := b.dev.IpcSet(b.uapiConfig(key)); err != nil {
		return nil, fmt.Errorf("tunnel: configure wireguard: %w", err)
	}
	a := &netlink.Addr{IPNet: prefixIPNet(cfg.Address)}
	if err := configureLink(b.nl, cfg.Interface, a); err != nil {
		return nil, err
	}
	if err := b.dev.Up(); err != nil {
		return nil, fmt.Errorf("tunnel: bring up wireguard: %w", err)
	}

	b.col = newCollector(b.cnt)
	if err := reg.Register(b.col); err != nil {
		return nil, fmt.Errorf("tunnel: register metrics: %w", err)
	}
	b.cleanup = append(b.cleanup, func() { reg.Unregister(b.col) })
	pc := newPathCollector(b)
	if err := reg.Register(pc); err != nil {
		return nil, fmt.Errorf("tunnel: register path metrics: %w", err)
	}
	b.cleanup = append(b.cleanup, func() { reg.Unregister(pc) })

	b.mu.Lock()
	b.swapTableLocked()
	b.mu.Unlock()
	if b.prober != nil {
		b.cleanup = append(b.cleanup, b.prober.stop)
		go b.prober.run()
	}
	log.Info("backbone up", "address", cfg.Address, "port", cfg.Port, "mtu", cfg.TunnelMTU(), "peers", len(cfg.Peers))
	return b, nil
}

// uapiConfig returns the WireGuard configuration: key, port and one peer
// per PoP with endpoint "pop:<id>" and the PoP's overlay address.
func (b *Backbone) uapiConfig(privHex string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "private_key=%s\nlisten_port=%d\nreplace_peers=true\n", privHex, b.cfg.Port)
	for _, p := range b.cfg.Peers {
		pub, _ := keyHex(p.PublicKey) // validated
		fmt.Fprintf(&sb, "public_key=%s\nendpoint=%s%d\n", pub, endpointPrefix, p.ID)
		if p.Address.IsValid() {
			fmt.Fprintf(&sb, "allowed_ip=%s\n", netip.PrefixFrom(p.Address, p.Address.BitLen()))
		}
	}
	return sb.String()
}

// prefixIPNet converts a prefix (address with length) to a net.IPNet.
func prefixIPNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

// undo runs the cleanup steps in reverse.
func (b *Backbone) undo() {
	for i := len(b.cleanup) - 1; i >= 0; i-- {
		b.cleanup[i]()
	}
	b.cleanup = nil
}

// Close stops the probes, removes the routes SetPrefixes installed and the
// interface, and closes the socket. It is safe to call more than once.
func (b *Backbone) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.mu.Unlock()
	if b.prober != nil {
		b.prober.stop()
	}
	b.mu.Lock()
	for p := range b.prefixes {
		if err := b.nl.RouteDel(b.prefixRoute(p)); err != nil {
			b.log.Warn("remove route", "prefix", p, "err", err)
		}
	}
	b.prefixes = map[netip.Prefix]uint16{}
	b.mu.Unlock()
	b.undo()
	b.log.Info("backbone closed")
	return nil
}

// Stats returns the data-path counters.
func (b *Backbone) Stats() Stats { return b.cnt.snapshot() }

// Interface returns the backbone interface name.
func (b *Backbone) Interface() string { return b.cfg.Interface }

// MTU returns the backbone interface MTU.
func (b *Backbone) MTU() int { return b.cfg.TunnelMTU() }

// Port returns the overlay UDP port.
func (b *Backbone) Port() uint16 { return b.cfg.Port }

// SetRoutes replaces the routing table: per destination PoP the primary
// path and the backups, each as pathcalc Nodes (this PoP first). PoPs
// without a route keep the direct path. The data path switches with one
// pointer swap: no WireGuard change, no handshake, no datagram lost. Of the
// paths to a destination the first that is not down (by the path probes)
// carries the traffic. Invalid routes change nothing and return an error
// naming the route.
func (b *Backbone) SetRoutes(routes []Route) error {
	dests, err := compileRoutes(b.cfg.ID, b.pops, routes)
	if err != nil {
		return err
	}
	merged := directRoutes(b.cfg.ID, b.pops)
	for k, v := range dests {
		merged[k] = v
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.dests = merged
	if b.prober != nil {
		b.prober.syncPaths(merged)
	}
	b.swapTableLocked()
	return nil
}

// swapTableLocked builds the table from the routes and the path states and
// stores it for the data path.
func (b *Backbone) swapTableLocked() {
	up := func(string) bool { return true }
	if b.prober != nil {
		up = b.prober.isUp
	}
	b.bind.table.Store(buildTable(b.pops, b.dests, up))
}

// ActivePath returns the nodes of the path traffic to dst takes now, or nil.
func (b *Backbone) ActivePath(dst uint16) []uint16 {
	p := b.pops.byID[dst]
	if p == nil {
		return nil
	}
	if cp := b.bind.table.Load().bySlot[p.slot]; cp != nil {
		return append([]uint16(nil), cp.nodes...)
	}
	return nil
}
