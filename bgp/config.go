package bgp

import (
	"net/netip"
	"time"
)

// Defaults applied by New to zero-valued fields.
const (
	DefaultListenPort      = 179
	DefaultHoldTime        = 90 * time.Second
	DefaultConnectRetry    = 5 * time.Second
	DefaultHoldDown        = 5 * time.Second
	DefaultDrainPrepend    = 3
	DefaultDrainGrace      = 30 * time.Second
	DefaultShutdownTimeout = 5 * time.Second
)

// NoListener as Config.ListenPort makes the speaker dial its neighbours
// without listening for incoming sessions.
const NoListener = -1

// Neighbor is one BGP session to a local router.
type Neighbor struct {
	// Address is the neighbour's address (required).
	Address netip.Addr
	// PeerASN is the neighbour's AS number (required; equal to Config.ASN
	// for iBGP).
	PeerASN uint32
	// Password enables TCP MD5 authentication (RFC 2385) when not empty;
	// at most 80 bytes.
	Password string
	// HoldTime is the proposed hold time: whole seconds, 3s or more
	// (default 90s).
	HoldTime time.Duration
	// Keepalive is the keepalive interval: whole seconds, less than
	// HoldTime (default HoldTime/3).
	Keepalive time.Duration
	// ConnectRetry is the pause between connection attempts and after a
	// session reset: whole seconds (default 5s).
	ConnectRetry time.Duration
	// TTLSecurity enables GTSM (RFC 5082) for a directly connected
	// neighbour: packets are sent with TTL 255 and accepted only with TTL
	// 255.
	TTLSecurity bool
	// Port is the neighbour's TCP port (default 179).
	Port int
	// LocalAddress is the source address of the session (default: chosen
	// by the kernel). It must have the family of Address.
	LocalAddress netip.Addr
	// Passive makes the speaker wait for the neighbour to connect instead
	// of dialing; it needs a listener (Config.ListenPort not NoListener).
	Passive bool
	// LearnOrigins accepts the routes this neighbour announces as origin
	// prefixes served by this PoP. Routes from other neighbours are
	// rejected on import.
	LearnOrigins bool
}

// Announcement is one anycast prefix this PoP announces while healthy.
type Announcement struct {
	// Prefix is the anycast prefix; it must be a network address
	// (192.0.2.0/24, not 192.0.2.1/24).
	Prefix netip.Prefix
	// Communities are attached to the route: standard "65000:100", large
	// "65000:1:2", or one of "no-export", "no-advertise",
	// "graceful-shutdown".
	Communities []string
}

// Config configures a Speaker. Zero values take the defaults above.
type Config struct {
	// ASN is the local AS number (required). Use ParseASN for text.
	ASN uint32
	// RouterID is the BGP identifier, an IPv4 address (required).
	RouterID netip.Addr
	// ListenAddr restricts the listener to one address (default: all).
	ListenAddr netip.Addr
	// ListenPort is the listening TCP port: 0 means 179, NoListener (-1)
	// means no listener.
	ListenPort int
	// Neighbors are the local routers (at least one).
	Neighbors []Neighbor
	// Anycast are the prefixes announced while healthy.
	Anycast []Announcement
	// NextHop4 and NextHop6 are the next hops announced for IPv4 and IPv6
	// prefixes (default: the local address of each session). NextHop6 is
	// required to announce IPv6 prefixes over IPv4 sessions, NextHop4 to
	// announce IPv4 prefixes over IPv6 sessions.
	NextHop4, NextHop6 netip.Addr
	// HoldDown is how long the PoP must be healthy without interruption
	// before the prefixes are announced (default 5s).
	HoldDown time.Duration
	// DrainPrepend is how many times a draining speaker prepends its AS
	// (1..16, default 3).
	DrainPrepend int
	// DrainGrace is how long a draining speaker keeps the prepended routes
	// before it withdraws them (default 30s).
	DrainGrace time.Duration
	// StateFile keeps the drain state across restarts (optional: without
	// it the drain state lives in memory only).
	StateFile string
	// ShutdownTimeout bounds Shutdown when its context has no earlier
	// deadline (default 5s).
	ShutdownTimeout time.Duration
}

// withDefaults returns c with the defaults filled in. c must be valid.
func (c Config) withDefaults() Config {
	if c.ListenPort == 0 {
		c.ListenPort = DefaultListenPort
	}
	if c.HoldDown == 0 {
		c.HoldDown = DefaultHoldDown
	}
	if c.DrainPrepend == 0 {
		c.DrainPrepend = DefaultDrainPrepend
	}
	if c.DrainGrace == 0 {
		c.DrainGrace = DefaultDrainGrace
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	neighbors := make([]Neighbor, len(c.Neighbors))
	for i, n := range c.Neighbors {
		n.Address = n.Address.Unmap()
		n.LocalAddress = n.LocalAddress.Unmap()
		if n.HoldTime == 0 {
			n.HoldTime = DefaultHoldTime
		}
		if n.Keepalive == 0 {
			n.Keepalive = (n.HoldTime / 3).Truncate(time.Second)
		}
		if n.ConnectRetry == 0 {
			n.ConnectRetry = DefaultConnectRetry
		}
		if n.Port == 0 {
			n.Port = 179
		}
		neighbors[i] = n
	}
	c.Neighbors = neighbors
	anycast := make([]Announcement, len(c.Anycast))
	copy(anycast, c.Anycast)
	c.Anycast = anycast
	return c
}
