package tunnel

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/argonet/argo/overlay"
)

// DefaultPort is the default overlay UDP port.
const DefaultPort = 51821

// DefaultUnderlayMTU is the default MTU of the underlay interface.
const DefaultUnderlayMTU = 1500

// Per-datagram overhead below the backbone TUN device's MTU.
const (
	ipv4HeaderLen = 20
	ipv6HeaderLen = 40
	udpHeaderLen  = 8
	// wgOverhead is a WireGuard transport message's overhead: type (4),
	// receiver index (4), counter (8) and the Poly1305 tag (16).
	wgOverhead = 32
)

// OverlayRange is the address range overlay addresses must come from.
var OverlayRange = netip.MustParsePrefix("100.64.0.0/10")

// Peer is another PoP of the backbone.
type Peer struct {
	ID        uint16         // PoP id, as in the overlay header and pathcalc
	Name      string         // for logs and Peers()
	PublicKey string         // WireGuard public key, base64 (`wg pubkey`)
	Underlay  netip.AddrPort // underlay address and overlay port
	// Address is the PoP's overlay address (in OverlayRange), routed to
	// it through the backbone. Optional.
	Address netip.Addr
}

// ProbeConfig sets the in-band path probes.
type ProbeConfig struct {
	// Interval between probes on each path (default 50ms); negative
	// disables path probing.
	Interval time.Duration
	// Timeout after which an unanswered probe counts as lost (default
	// 200ms); a path whose smoothed RTT is above Timeout/2 waits 2*RTT.
	// With the defaults a broken path is down after about
	// Timeout + 2*Interval = 300ms.
	Timeout time.Duration
	// DownAfter consecutive lost probes mark a path down (default 3); one
	// answered probe marks it up again.
	DownAfter int
	// Window is the number of recent probes loss is computed over (default 40).
	Window int
	// LossDown marks a path down when at least this fraction of the last
	// Window probes (and of at least Window/2) was lost (default 0.25; 1
	// turns it off): a path that still answers but loses a quarter of its
	// round trips (a link at 20 % loss each way loses 36 %) is left at
	// once, as a broken one is, rather than after the link's loss average
	// has caught up. A path at 6 % round-trip loss crosses it about once
	// in 10,000 windows. Such a path is up again when its loss over the
	// window is at most LossDown/4.
	LossDown float64
}

// Config configures a Backbone. Zero optional fields take the documented
// defaults.
type Config struct {
	ID             uint16 // this PoP's id
	Name           string // this PoP's name, for logs
	Interface      string // backbone TUN interface name, unique on the host (UAPI sockets are host-wide)
	PrivateKeyFile string // base64 private key (`wg genkey`), mode 0600 or stricter
	// Address is the PoP's overlay address and prefix on the interface,
	// inside OverlayRange, e.g. 100.64.0.1/10 (the prefix routes all of
	// the overlay range into the backbone).
	Address    netip.Prefix
	ListenAddr netip.Addr // address the overlay socket binds (default all)
	Port       uint16     // overlay UDP port (default DefaultPort)
	// UnderlayMTU is the underlay interface MTU (default 1500). The TUN
	// MTU is UnderlayMTU - IP header (20, or 40 when any peer or the
	// listen address is IPv6) - UDP 8 - overlay 16 - WireGuard 32, so
	// 1424 for a 1500-byte IPv4 underlay.
	UnderlayMTU int
	Peers       []Peer
	// NetNS is the path of the network namespace to create the interface
	// and socket in (e.g. /var/run/netns/pop1); empty means the namespace
	// of the thread calling New.
	NetNS string
	Probe ProbeConfig
	// OnEchoReply is called when the reply to SendEcho arrives (from the
	// receive goroutine: do not block).
	OnEchoReply func(peer, seq uint16, at time.Time)
	// OnPathDown is called when a path's probes start failing; OnPathUp when
	// a down path answers again. Called from the probe goroutine.
	OnPathDown func(dst uint16, nodes []uint16)
	OnPathUp   func(dst uint16, nodes []uint16)
}

// withDefaults returns c with defaults filled in.
func (c Config) withDefaults() Config {
	if c.Port == 0 {
		c.Port = DefaultPort
	}
	if c.UnderlayMTU == 0 {
		c.UnderlayMTU = DefaultUnderlayMTU
	}
	if c.Probe.Interval == 0 {
		c.Probe.Interval = 50 * time.Millisecond
	}
	if c.Probe.Timeout == 0 {
		c.Probe.Timeout = 200 * time.Millisecond
	}
	if c.Probe.DownAfter == 0 {
		c.Probe.DownAfter = 3
	}
	if c.Probe.Window == 0 {
		c.Probe.Window = 40
	}
	if c.Probe.LossDown == 0 {
		c.Probe.LossDown = 0.25
	}
	return c
}

// usesIPv6 reports whether the underlay needs IPv6 headers.
func (c *Config) usesIPv6() bool {
	if c.ListenAddr.IsValid() && c.ListenAddr.Is6() && !c.ListenAddr.Is4In6() {
		return true
	}
	for _, p := range c.Peers {
		if !p.Underlay.Addr().Unmap().Is4() {
			return true
		}
	}
	return false
}

// TunnelMTU returns the MTU of the backbone interface (see UnderlayMTU).
func (c Config) TunnelMTU() int {
	c = c.withDefaults()
	ip := ipv4HeaderLen
	if c.usesIPv6() {
		ip = ipv6HeaderLen
	}
	return c.UnderlayMTU - ip - udpHeaderLen - overlay.HeaderLen - wgOverhead
}

// validInterfaceName checks a Linux interface name.
func validInterfaceName(field, name string) error {
	if name == "" || len(name) > 15 {
		return fmt.Errorf("tunnel: %s: %q must be 1..15 characters", field, name)
	}
	if strings.ContainsAny(name, "/: \t\n") || name == "." || name == ".." {
		return fmt.Errorf("tunnel: %s: %q contains a character not allowed in interface names", field, name)
	}
	return nil
}

// Validate checks the configuration (after defaults), naming the field at
// fault.
func (c Config) Validate() error {
	c = c.withDefaults()
	if err := validInterfaceName("interface", c.Interface); err != nil {
		return err
	}
	if c.PrivateKeyFile == "" {
		return errors.New("tunnel: private_key_file: required")
	}
	if !c.Address.IsValid() || !OverlayRange.Contains(c.Address.Addr()) || c.Address.Bits() < OverlayRange.Bits() {
		return fmt.Errorf("tunnel: address: %v must be an address with prefix inside %v", c.Address, OverlayRange)
	}
	if c.UnderlayMTU < 576 || c.UnderlayMTU > 65535 {
		return fmt.Errorf("tunnel: underlay_mtu: %d out of range 576..65535", c.UnderlayMTU)
	}
	if m := c.TunnelMTU(); m < 576 {
		return fmt.Errorf("tunnel: underlay_mtu: %d leaves a tunnel MTU of %d, below 576", c.UnderlayMTU, m)
	}
	if c.Probe.Timeout < 0 || c.Probe.DownAfter < 1 || c.Probe.Window < c.Probe.DownAfter || c.Probe.Window > 1024 {
		return fmt.Errorf("tunnel: probe: timeout %v, down_after %d, window %d: want timeout >= 0, 1 <= down_after <= window <= 1024",
			c.Probe.Timeout, c.Probe.DownAfter, c.Probe.Window)
	}
	if !(c.Probe.LossDown > 0 && c.Probe.LossDown <= 1) {
		return fmt.Errorf("tunnel: probe loss_down: %v not in (0, 1]", c.Probe.LossDown)
	}
	return validatePeers(c.ID, c.Address.Addr(), c.ListenAddr, c.Peers)
}

// validatePeers checks the peer list of PoP self.
func validatePeers(self uint16, selfAddr, listen netip.Addr, peers []Peer) error {
	ids := map[uint16]int{}
	underlays := map[netip.Addr]int{}
	addrs := map[netip.Addr]int{selfAddr: -1}
	for i, p := range peers {
		f := fmt.Sprintf("peers[%d]", i)
		if p.ID == self {
			return fmt.Errorf("tunnel: %s.id: %d is this PoP's own id", f, p.ID)
		}
		if j, dup := ids[p.ID]; dup {
			return fmt.Errorf("tunnel: %s.id: %d already used by peers[%d]", f, p.ID, j)
		}
		ids[p.ID] = i
		if _, err := keyHex(p.PublicKey); err != nil {
			return fmt.Errorf("tunnel: %s.public_key: %w", f, err)
		}
		u := p.Underlay.Addr().Unmap()
		if !p.Underlay.IsValid() || p.Underlay.Port() == 0 || u.IsUnspecified() || u.IsMulticast() {
			return fmt.Errorf("tunnel: %s.underlay: %v must be a unicast address with a port", f, p.Underlay)
		}
		if listen.IsValid() && listen.Unmap().Is4() != u.Is4() {
			return fmt.Errorf("tunnel: %s.underlay: %v is not of the listen address's family (%v)", f, p.Underlay, listen)
		}
		if j, dup := underlays[u]; dup {
			return fmt.Errorf("tunnel: %s.underlay: %v already used by peers[%d]", f, u, j)
		}
		underlays[u] = i
		if p.Address.IsValid() {
			if !OverlayRange.Contains(p.Address) {
				return fmt.Errorf("tunnel: %s.address: %v is outside %v", f, p.Address, OverlayRange)
			}
			if j, dup := addrs[p.Address]; dup {
				if j < 0 {
					return fmt.Errorf("tunnel: %s.address: %v is this PoP's own address", f, p.Address)
				}
				return fmt.Errorf("tunnel: %s.address: %v already used by peers[%d]", f, p.Address, j)
			}
			addrs[p.Address] = i
		}
	}
	return nil
}
