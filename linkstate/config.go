package linkstate

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// Config configures a Gossip instance. Zero durations and counts take the
// documented defaults.
type Config struct {
	Self uint16 // PoP id; carried in the memberlist node meta
	Name string // memberlist node name = PoP name (1..MaxNameLen bytes, no spaces)

	Bind      netip.AddrPort // gossip bind address (TCP and UDP); port 0 picks a free port
	Advertise netip.AddrPort // optional address other PoPs should use (its port is replaced by the chosen one when Bind's port is 0)
	Seeds     []string       // "host:port" gossip addresses of other PoPs; retried until reachable

	Key []byte // 16, 24 or 32-byte shared secret: encrypts and authenticates all gossip (required)

	// RefreshInterval is how often the own table is re-sent with a new
	// version even when nothing significant changed. Default 5 s.
	RefreshInterval time.Duration
	// TTL drops tables of other PoPs not refreshed by a newer version within
	// it. At least twice RefreshInterval. Default 30 s.
	TTL time.Duration
	// Threshold decides which changes of the own table are broadcast at
	// once. The zero value means DefaultThreshold.
	Threshold Threshold

	// Failure detection (memberlist SWIM), tuned by default for fast
	// detection on a LAN-like overlay of up to ~300 PoPs: a crashed PoP is
	// suspected after one failed probe round and declared dead after the
	// suspicion timeout, SuspicionMult * max(1, log10(N)) * ProbeInterval
	// (1.5 s for N <= 10, 3.7 s for N = 300), at most four times that
	// without confirmations from other members. ProbeTimeout must exceed the
	// largest round-trip time between PoPs.

	// ProbeInterval is the time between failure-detection probes. Default 500 ms.
	ProbeInterval time.Duration
	// ProbeTimeout is how long to wait for a probe ack. Default 250 ms.
	ProbeTimeout time.Duration
	// SuspicionMult scales the suspicion timeout. Default 3.
	SuspicionMult int
	// GossipInterval is how often queued broadcasts are sent to random
	// members. Default 100 ms.
	GossipInterval time.Duration
	// PushPullInterval is how often a full state exchange with one random
	// member runs (memberlist stretches it for clusters above 32 members).
	// Default 15 s.
	PushPullInterval time.Duration
	// ReconnectInterval is how often unreachable seeds and dead members are
	// retried, so that a PoP started before its seeds joins them later and
	// partitions heal. Default 5 s.
	ReconnectInterval time.Duration
	// TCPTimeout bounds memberlist TCP connects and exchanges. Default 3 s.
	TCPTimeout time.Duration
	// RetransmitMult sets how often a table message is gossiped by each
	// PoP that queues it: RetransmitMult * ceil(log10(N+1)) times in a
	// cluster of N. memberlist uses 4 for its own messages; tables default
	// to 6, which makes it very unlikely (about 1e-5 for N = 5) that a
	// significant change misses a PoP and waits for the next refresh.
	RetransmitMult int
	// FanoutConcurrency is how many members a table too large for one UDP
	// packet is sent to in parallel. Default 32.
	FanoutConcurrency int

	// OnChange is called, never concurrently and without locks held,
	// after the store's content changed (a table added, removed, expired or
	// replaced by one with different content; a refresh that only raises
	// the version does not count). Calls are coalesced.
	OnChange func()
}

// Defaults for Config.
const (
	DefaultRefreshInterval   = 5 * time.Second
	DefaultTTL               = 30 * time.Second
	DefaultProbeInterval     = 500 * time.Millisecond
	DefaultProbeTimeout      = 250 * time.Millisecond
	DefaultSuspicionMult     = 3
	DefaultGossipInterval    = 100 * time.Millisecond
	DefaultPushPullInterval  = 15 * time.Second
	DefaultReconnectInterval = 5 * time.Second
	DefaultTCPTimeout        = 3 * time.Second
	DefaultFanoutConcurrency = 32
	DefaultRetransmitMult    = 6
)

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	setDur := func(p *time.Duration, d time.Duration) {
		if *p == 0 {
			*p = d
		}
	}
	setDur(&c.RefreshInterval, DefaultRefreshInterval)
	setDur(&c.TTL, DefaultTTL)
	setDur(&c.ProbeInterval, DefaultProbeInterval)
	setDur(&c.ProbeTimeout, DefaultProbeTimeout)
	setDur(&c.GossipInterval, DefaultGossipInterval)
	setDur(&c.PushPullInterval, DefaultPushPullInterval)
	setDur(&c.ReconnectInterval, DefaultReconnectInterval)
	setDur(&c.TCPTimeout, DefaultTCPTimeout)
	if c.SuspicionMult == 0 {
		c.SuspicionMult = DefaultSuspicionMult
	}
	if c.FanoutConcurrency == 0 {
		c.FanoutConcurrency = DefaultFanoutConcurrency
	}
	if c.RetransmitMult == 0 {
		c.RetransmitMult = DefaultRetransmitMult
	}
	if c.Threshold == (Threshold{}) {
		c.Threshold = DefaultThreshold
	}
	return c
}

// validate checks a config that already has its defaults applied.
func (c Config) validate() error {
	if err := checkName(c.Name); err != nil {
		return fmt.Errorf("linkstate: Config.Name: %w", err)
	}
	if !c.Bind.IsValid() {
		return fmt.Errorf("linkstate: Config.Bind: missing or invalid address")
	}
	if c.Advertise.IsValid() && (c.Advertise.Addr().IsUnspecified() || c.Advertise.Port() == 0) {
		return fmt.Errorf("linkstate: Config.Advertise %s: needs a specific address and a port", c.Advertise)
	}
	for i, s := range c.Seeds {
		host, port, err := net.SplitHostPort(s)
		if err != nil {
			return fmt.Errorf("linkstate: Config.Seeds[%d] %q: %v", i, s, err)
		}
		if p, err := strconv.ParseUint(port, 10, 16); err != nil || p == 0 || host == "" {
			return fmt.Errorf("linkstate: Config.Seeds[%d] %q: want host:port with port 1-65535", i, s)
		}
	}
	if err := checkKey(c.Key); err != nil {
		return fmt.Errorf("linkstate: Config.Key: %v", err)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"RefreshInterval", c.RefreshInterval}, {"TTL", c.TTL}, {"ProbeInterval", c.ProbeInterval},
		{"ProbeTimeout", c.ProbeTimeout}, {"GossipInterval", c.GossipInterval},
		{"PushPullInterval", c.PushPullInterval}, {"ReconnectInterval", c.ReconnectInterval},
		{"TCPTimeout", c.TCPTimeout},
	} {
		if d.v < 0 {
			return fmt.Errorf("linkstate: Config.%s %v must be positive", d.name, d.v)
		}
	}
	if c.TTL < 2*c.RefreshInterval {
		return fmt.Errorf("linkstate: Config.TTL %v must be at least twice RefreshInterval %v", c.TTL, c.RefreshInterval)
	}
	if c.ProbeTimeout >= c.ProbeInterval {
		return fmt.Errorf("linkstate: Config.ProbeTimeout %v must be below ProbeInterval %v", c.ProbeTimeout, c.ProbeInterval)
	}
	if c.SuspicionMult < 1 {
		return fmt.Errorf("linkstate: Config.SuspicionMult %d must be >= 1", c.SuspicionMult)
	}
	if c.RetransmitMult < 1 || c.RetransmitMult > 100 {
		return fmt.Errorf("linkstate: Config.RetransmitMult %d must be in 1..100", c.RetransmitMult)
	}
	if c.FanoutConcurrency < 1 {
		return fmt.Errorf("linkstate: Config.FanoutConcurrency %d must be >= 1", c.FanoutConcurrency)
	}
	if err := c.Threshold.check(); err != nil {
		return fmt.Errorf("linkstate: Config.Threshold: %w", err)
	}
	return nil
}
