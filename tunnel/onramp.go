package tunnel

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/device"
)

// DefaultOnRampMTU is the on-ramp interface MTU: what a stock WireGuard
// client on a 1500-byte IPv6 path uses, and below the backbone MTU, so that
// client packets fit the backbone unfragmented.
const DefaultOnRampMTU = 1420

// Client is a stock WireGuard client of an on-ramp.
type Client struct {
	PublicKey  string         // base64
	AllowedIPs []netip.Prefix // the client's tunnel addresses (and networks behind it)
}

// OnRampConfig configures an OnRamp.
type OnRampConfig struct {
	Interface      string       // interface name, unique on the host
	PrivateKeyFile string       // base64 private key, mode 0600 or stricter
	ListenPort     uint16       // UDP port clients connect to
	Address        netip.Prefix // the on-ramp's address on the interface, e.g. 100.96.0.1/24
	MTU            int          // default DefaultOnRampMTU
	NetNS          string       // namespace path; empty: the calling thread's
	Clients        []Client
}

// Validate checks the configuration, naming the field at fault.
func (c OnRampConfig) Validate() error {
	if err := validInterfaceName("onramp.interface", c.Interface); err != nil {
		return err
	}
	if c.PrivateKeyFile == "" {
		return errors.New("tunnel: onramp.private_key_file: required")
	}
	if c.ListenPort == 0 {
		return errors.New("tunnel: onramp.listen_port: required")
	}
	if !c.Address.IsValid() {
		return errors.New("tunnel: onramp.address: required (address with prefix length)")
	}
	if c.MTU != 0 && (c.MTU < 576 || c.MTU > 65535) {
		return fmt.Errorf("tunnel: onramp.mtu: %d out of range 576..65535", c.MTU)
	}
	return validateClients(c.Clients)
}

// validateClients checks keys and prefixes; no prefix may belong to two
// clients.
func validateClients(clients []Client) error {
	keys := map[string]int{}
	owner := map[netip.Prefix]int{}
	for i, c := range clients {
		if _, err := keyHex(c.PublicKey); err != nil {
			return fmt.Errorf("tunnel: onramp.clients[%d].public_key: %w", i, err)
		}
		if j, dup := keys[c.PublicKey]; dup {
			return fmt.Errorf("tunnel: onramp.clients[%d].public_key: same as clients[%d]", i, j)
		}
		keys[c.PublicKey] = i
		if len(c.AllowedIPs) == 0 {
			return fmt.Errorf("tunnel: onramp.clients[%d].allowed_ips: required", i)
		}
		for j, p := range c.AllowedIPs {
			if !p.IsValid() || p != p.Masked() {
				return fmt.Errorf("tunnel: onramp.clients[%d].allowed_ips[%d]: %v is not a network prefix", i, j, p)
			}
			if k, dup := owner[p]; dup {
				return fmt.Errorf("tunnel: onramp.clients[%d].allowed_ips[%d]: %v already belongs to clients[%d]", i, j, p, k)
			}
			owner[p] = i
		}
	}
	return nil
}

// OnRamp is a standard WireGuard device for stock clients. Their traffic
// enters this PoP's kernel, which routes it into the backbone by the
// served-prefix routes; return traffic for the clients' addresses comes
// back by the kernel routes the OnRamp installs. Publish Prefixes() as
// prefixes this PoP serves so that other PoPs route them here.
type OnRamp struct {
	cfg OnRampConfig
	log *slog.Logger
	reg prometheus.Registerer
	col prometheus.Collector
	ns  nsHandle
	nl  *netlink.Handle
	dev *device.Device

	mu      sync.Mutex
	clients []Client
	routes  map[netip.Prefix]bool
	closed  bool
	cleanup []func()
}

// nsBind opens a standard Bind's sockets in a given network namespace.
type nsBind struct {
	conn.Bind
	ns nsHandle
}

// Open implements conn.Bind in the namespace.
func (b *nsBind) Open(port uint16) (fns []conn.ReceiveFunc, actual uint16, err error) {
	err = b.ns.do(func() error {
		var oerr error
		fns, actual, oerr = b.Bind.Open(port)
		return oerr
	})
	return fns, actual, err
}

// NewOnRamp creates the on-ramp device, its address, its client peers and
// their routes.
func NewOnRamp(cfg OnRampConfig, log *slog.Logger, reg prometheus.Registerer) (_ *OnRamp, err error) {
	if log == nil || reg == nil {
		return nil, errors.New("tunnel: NewOnRamp needs a logger and a registerer")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.MTU == 0 {
		cfg.MTU = DefaultOnRampMTU
	}
	key, err := readPrivateKey("onramp.private_key_file", cfg.PrivateKeyFile)
	if err != nil {
		return nil, err
	}
	o := &OnRamp{cfg: cfg, log: log.With("onramp", cfg.Interface), reg: reg, routes: map[netip.Prefix]bool{}}
	defer func() {
		if err != nil {
			o.undo()
		}
	}()
	if o.ns, err = openNS(cfg.NetNS); err != nil {
		return nil, err
	}
	o.cleanup = append(o.cleanup, o.ns.close)
	if o.nl, err = netlink.NewHandleAt(o.ns.ns); err != nil {
		return nil, fmt.Errorf("tunnel: netlink in namespace %q: %w", cfg.NetNS, err)
	}
	o.cleanup = append(o.cleanup, o.nl.Close)
	td, err := createTUN(o.ns, o.nl, cfg.Interface, cfg.MTU)
	if err != nil {
		return nil, err
	}
	o.dev = device.NewDevice(td, &nsBind{Bind: conn.NewDefaultBind(), ns: o.ns}, wgLogger(o.log))
	o.cleanup = append(o.cleanup, o.dev.Close)
	if err := o.dev.IpcSet(fmt.Sprintf("private_key=%s\nlisten_port=%d\n", key, cfg.ListenPort)); err != nil {
		return nil, fmt.Errorf("tunnel: configure on-ramp wireguard: %w", err)
	}
	if err := configureLink(o.nl, cfg.Interface, &netlink.Addr{IPNet: prefixIPNet(cfg.Address)}); err != nil {
		return nil, err
	}
	if err := o.dev.Up(); err != nil {
		return nil, fmt.Errorf("tunnel: bring up on-ramp wireguard: %w", err)
	}
	if err := o.SetClients(cfg.Clients); err != nil {
		return nil, err
	}
	o.col = newOnRampCollector(o)
	if err := reg.Register(o.col); err != nil {
		return nil, fmt.Errorf("tunnel: register on-ramp metrics: %w", err)
	}
	o.cleanup = append(o.cleanup, func() { reg.Unregister(o.col) })
	o.log.Info("on-ramp up", "address", cfg.Address, "port", cfg.ListenPort, "clients", len(cfg.Clients))
	return o, nil
}

func (o *OnRamp) undo() {
	for i := len(o.cleanup) - 1; i >= 0; i-- {
		o.cleanup[i]()
	}
	o.cleanup = nil
}

// SetClients replaces the client list: WireGuard peers and kernel routes
// change only where they differ. Invalid input changes nothing.
func (o *OnRamp) SetClients(clients []Client) error {
	if err := validateClients(clients); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return errors.New("tunnel: on-ramp closed")
	}
	want := map[netip.Prefix]bool{}
	for _, c := range clients {
		for _, p := range c.AllowedIPs {
			want[p] = true
		}
	}
	var added []netip.Prefix
	for p := range want {
		if !o.routes[p] {
			if err := o.nl.RouteReplace(o.route(p)); err != nil {
				for _, q := range added {
					_ = o.nl.RouteDel(o.route(q))
				}
				return fmt.Errorf("tunnel: route %v into %s: %w", p, o.cfg.Interface, err)
			}
			added = append(added, p)
		}
	}
	if err := o.dev.IpcSet(clientsDiff(o.clients, clients)); err != nil {
		for _, q := range added {
			_ = o.nl.RouteDel(o.route(q))
		}
		return fmt.Errorf("tunnel: update on-ramp peers: %w", err)
	}
	for p := range o.routes {
		if !want[p] {
			if err := o.nl.RouteDel(o.route(p)); err != nil {
				o.log.Warn("remove client route", "prefix", p, "err", err)
			}
		}
	}
	o.routes = want
	o.clients = slices.Clone(clients)
	return nil
}

// clientsDiff returns the UAPI update from the old to the new client list:
// removed peers, and for new or changed peers their full AllowedIPs.
func clientsDiff(old, clients []Client) string {
	var sb strings.Builder
	prev := map[string]Client{}
	for _, c := range old {
		prev[c.PublicKey] = c
	}
	next := map[string]bool{}
	for _, c := range clients {
		next[c.PublicKey] = true
		pub, _ := keyHex(c.PublicKey)
		if p, ok := prev[c.PublicKey]; ok && slices.Equal(p.AllowedIPs, c.AllowedIPs) {
			continue
		}
		fmt.Fprintf(&sb, "public_key=%s\nreplace_allowed_ips=true\n", pub)
		for _, a := range c.AllowedIPs {
			fmt.Fprintf(&sb, "allowed_ip=%s\n", a)
		}
	}
	for _, c := range old {
		if !next[c.PublicKey] {
			pub, _ := keyHex(c.PublicKey)
			fmt.Fprintf(&sb, "public_key=%s\nremove=true\n", pub)
		}
	}
	return sb.String()
}

// route is the kernel route of a client prefix into the on-ramp.
func (o *OnRamp) route(p netip.Prefix) *netlink.Route {
	family := unix.AF_INET
	if p.Addr().Is6() {
		family = unix.AF_INET6
	}
	idx := 0
	if l, err := o.nl.LinkByName(o.cfg.Interface); err == nil {
		idx = l.Attrs().Index
	}
	return &netlink.Route{LinkIndex: idx, Dst: prefixIPNet(p), Scope: netlink.SCOPE_LINK, Family: family, Protocol: routeProtocol}
}

// Prefixes returns the clients' allowed IPs: the prefixes this PoP must
// announce as served, so that return traffic from other PoPs comes here.
func (o *OnRamp) Prefixes() []netip.Prefix {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []netip.Prefix
	for p := range o.routes {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b netip.Prefix) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// Peers returns the WireGuard state of every client (ID and Path unset).
func (o *OnRamp) Peers() ([]PeerInfo, error) {
	dump, err := o.dev.IpcGet()
	if err != nil {
		return nil, fmt.Errorf("tunnel: read on-ramp state: %w", err)
	}
	return parseUAPIPeers(dump)
}

// Close removes the client routes and the interface.
func (o *OnRamp) Close() error {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return nil
	}
	o.closed = true
	for p := range o.routes {
		_ = o.nl.RouteDel(o.route(p))
	}
	o.routes = nil
	o.mu.Unlock()
	o.undo()
	return nil
}

// onRampCollector exports the client count and traffic at scrape time.
type onRampCollector struct {
	o                    *OnRamp
	clients, rx, tx, hsk *prometheus.Desc
}

func newOnRampCollector(o *OnRamp) *onRampCollector {
	return &onRampCollector{
		o:       o,
		clients: prometheus.NewDesc("argo_onramp_clients", "Configured on-ramp clients.", nil, nil),
		rx:      prometheus.NewDesc("argo_onramp_rx_bytes_total", "Bytes received from on-ramp clients.", nil, nil),
		tx:      prometheus.NewDesc("argo_onramp_tx_bytes_total", "Bytes sent to on-ramp clients.", nil, nil),
		hsk:     prometheus.NewDesc("argo_onramp_clients_connected", "Clients with a handshake in the last 3 minutes.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *onRampCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.clients
	ch <- c.rx
	ch <- c.tx
	ch <- c.hsk
}

// Collect implements prometheus.Collector.
func (c *onRampCollector) Collect(ch chan<- prometheus.Metric) {
	peers, err := c.o.Peers()
	if err != nil {
		return
	}
	var rx, tx, connected float64
	for _, p := range peers {
		rx += float64(p.RxBytes)
		tx += float64(p.TxBytes)
		if !p.LastHandshake.IsZero() && time.Since(p.LastHandshake) < 3*time.Minute {
			connected++
		}
	}
	ch <- prometheus.MustNewConstMetric(c.clients, prometheus.GaugeValue, float64(len(peers)))
	ch <- prometheus.MustNewConstMetric(c.rx, prometheus.CounterValue, rx)
	ch <- prometheus.MustNewConstMetric(c.tx, prometheus.CounterValue, tx)
	ch <- prometheus.MustNewConstMetric(c.hsk, prometheus.GaugeValue, connected)
}
