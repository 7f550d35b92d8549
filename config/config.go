package config

import (
	"time"
)

// Config is the complete, validated configuration of one argod.
//
// Durations are written as Go durations ("200ms", "2s"). Addresses are
// written as text and parsed during validation; the parsed forms are in the
// fields without a yaml tag.
type Config struct {
	// File is the path the configuration was read from (not in YAML).
	File string `yaml:"-"`

	PoP      PoP      `yaml:"pop"`
	Underlay []string `yaml:"underlay"`
	Overlay  Overlay  `yaml:"overlay"`
	// OnRamp is optional: without it the PoP takes no stock clients.
	OnRamp *OnRamp `yaml:"onramp"`
	Peers  []Peer  `yaml:"peers"`
	Gossip Gossip  `yaml:"gossip"`
	Probe  Probe   `yaml:"probe"`
	Path   Path    `yaml:"path"`
	// Prefixes are the origin prefixes this PoP serves.
	Prefixes []string `yaml:"prefixes"`
	// BGP is optional: the anycast announcements to the local routers.
	BGP *BGP `yaml:"bgp"`
	// XDP is optional: without it transit packets take the userspace relay.
	XDP     *XDP    `yaml:"xdp"`
	API     API     `yaml:"api"`
	Metrics Metrics `yaml:"metrics"`
	Log     Log     `yaml:"log"`
	// StateDir holds what argod keeps across restarts: the drain flag
	// (<pop name>-drain.json) and, by default, the BGP state file (default
	// /var/lib/argo).
	StateDir string `yaml:"state_dir"`

	// Resolved holds the parsed and defaulted forms of the text fields
	// above; it is filled by Load and Parse.
	Resolved Resolved `yaml:"-"`
}

// PoP identifies this point of presence.
type PoP struct {
	// ID is the numeric PoP id carried in the overlay header (1..65535).
	ID uint16 `yaml:"id"`
	// Name is a short unique name such as "ams" (letters, digits, '-').
	Name string `yaml:"name"`
	// City is free text shown by argoctl.
	City string `yaml:"city"`
}

// Overlay holds the settings of the backbone data plane.
type Overlay struct {
	// Port is the overlay UDP port (default 51821), the same on every PoP.
	Port uint16 `yaml:"port"`
	// Interface is the backbone WireGuard interface name (default "argo-<name>").
	Interface string `yaml:"interface"`
	// Address is this PoP's overlay address with the overlay prefix length,
	// inside 100.64.0.0/10 (default 100.64.0.0/10 plus the PoP id, e.g.
	// 100.64.0.1/10 for id 1).
	Address string `yaml:"address"`
	// PrivateKeyFile holds this PoP's WireGuard private key (base64, mode 0600).
	PrivateKeyFile string `yaml:"private_key_file"`
	// UnderlayMTU is the underlay interface MTU (default 1500); the
	// backbone interface's MTU is derived from it (1424 for 1500 on IPv4).
	UnderlayMTU int `yaml:"underlay_mtu"`
	// ProbeInterval is the rate of in-band path probes on every primary
	// and backup path (default 50ms; "off" is not supported, use 10s).
	ProbeInterval time.Duration `yaml:"probe_interval"`
	// ProbeTimeout counts an unanswered path probe as lost (default 200ms).
	ProbeTimeout time.Duration `yaml:"probe_timeout"`
	// ProbeLossDown treats a path as down when at least this fraction of
	// its last 40 path probes was lost (default 0.25; 1 turns it off).
	ProbeLossDown float64 `yaml:"probe_loss_down"`
}

// OnRamp is the standard WireGuard device for customers' stock clients.
type OnRamp struct {
	// Interface is the on-ramp's interface name (default "ramp-<name>").
	Interface string `yaml:"interface"`
	// ListenPort is the UDP port clients connect to (e.g. 51820).
	ListenPort uint16 `yaml:"listen_port"`
	// PrivateKeyFile holds the on-ramp's private key (base64, mode 0600).
	PrivateKeyFile string `yaml:"private_key_file"`
	// Address is the on-ramp's address with prefix, e.g. 100.96.1.1/24.
	Address string `yaml:"address"`
	// MTU of the on-ramp interface (default 1420).
	MTU int `yaml:"mtu"`
	// Clients are the customers' WireGuard peers.
	Clients []Client `yaml:"clients"`
}

// Client is one stock WireGuard client of the on-ramp.
type Client struct {
	Name       string   `yaml:"name"`
	PublicKey  string   `yaml:"public_key"`
	AllowedIPs []string `yaml:"allowed_ips"`
}

// Peer is another PoP of the network.
type Peer struct {
	ID       uint16   `yaml:"id"`
	Name     string   `yaml:"name"`
	City     string   `yaml:"city"`
	Underlay []string `yaml:"underlay"`
	// PublicKey is the peer's WireGuard public key (base64).
	PublicKey string `yaml:"public_key"`
	// GossipPort is the peer's gossip port if it differs from gossip.port.
	GossipPort uint16 `yaml:"gossip_port"`
	// OverlayAddress is the peer's overlay address (default 100.64.0.0
	// plus its id).
	OverlayAddress string `yaml:"overlay_address"`
}

// Gossip configures link-state dissemination (hashicorp/memberlist).
type Gossip struct {
	// Bind is the address the gossip listener binds to (default: the first
	// underlay address).
	Bind string `yaml:"bind"`
	// Port is the gossip TCP and UDP port (default 7946).
	Port uint16 `yaml:"port"`
	// Seeds names the peers (by PoP name) to join at start (default: all).
	Seeds []string `yaml:"seeds"`
	// SecretFile holds the shared gossip key: base64 of 16, 24 or 32 bytes.
	SecretFile string `yaml:"secret_file"`
	// RefreshInterval re-broadcasts the own link table (default 5s).
	RefreshInterval time.Duration `yaml:"refresh_interval"`
	// TTL drops tables that were not refreshed for this long (default 30s).
	TTL time.Duration `yaml:"ttl"`
	// ChangeRelative and ChangeAbsolute: an RTT change counts as significant
	// (broadcast at once) when it exceeds both (defaults 10 %, 2ms).
	ChangeRelative float64       `yaml:"change_relative"`
	ChangeAbsolute time.Duration `yaml:"change_absolute"`
	// ChangeLoss is the loss-ratio change that is significant (default 0.02).
	ChangeLoss float64 `yaml:"change_loss"`
}

// Probe configures the prober.
type Probe struct {
	// Interval between probes to each peer (default 200ms, 20ms..10s).
	Interval time.Duration `yaml:"interval"`
	// DownAfter consecutive losses mark a peer down (default 3).
	DownAfter int `yaml:"down_after"`
	// UpAfter consecutive replies mark it up again (default 3).
	UpAfter int `yaml:"up_after"`
	// Window is the number of probes in the loss and percentile windows
	// (default 100).
	Window int `yaml:"window"`
	// MinTimeout and MaxTimeout bound the adaptive reply timeout
	// (2·SRTT + 4·jitter): defaults 100ms and 1s. A probe unanswered after
	// its timeout counts as lost.
	MinTimeout time.Duration `yaml:"min_timeout"`
	MaxTimeout time.Duration `yaml:"max_timeout"`
}

// Path configures pathcalc.
type Path struct {
	// MaxHops is the maximum number of links of a path (default 3, 1..4).
	MaxHops int `yaml:"max_hops"`
	// JitterFactor multiplies the jitter into the edge cost (default 2).
	JitterFactor float64 `yaml:"jitter_factor"`
	// RetransmitPenalty is the delay a lost packet costs (default 200ms):
	// loss p adds p/(1-p) * (RTT + RetransmitPenalty) to the edge cost.
	RetransmitPenalty time.Duration `yaml:"retransmit_penalty"`
	// MaxLoss treats links with at least this loss as down (default 0.5).
	MaxLoss float64 `yaml:"max_loss"`
	// RelayCost is added per relay PoP on a path (default 1ms).
	RelayCost time.Duration `yaml:"relay_cost"`
	// HysteresisRelative and HysteresisAbsolute: a better path replaces the
	// current one only when better by both (defaults 8 %, 2ms) ...
	HysteresisRelative float64       `yaml:"hysteresis_relative"`
	HysteresisAbsolute time.Duration `yaml:"hysteresis_absolute"`
	// HysteresisHold ... continuously for this long (default 2s).
	HysteresisHold time.Duration `yaml:"hysteresis_hold"`
	// HysteresisSettle: for this long after a destination becomes
	// reachable (a start, a restart) only HysteresisAbsolute applies, so
	// that routes chosen on partial link state do not stay (default 30s).
	HysteresisSettle time.Duration `yaml:"hysteresis_settle"`
	// Bias adds an operator cost to individual links.
	Bias []Bias `yaml:"bias"`
}

// Bias is an operator's cost adjustment of one directed link.
type Bias struct {
	From string        `yaml:"from"`
	To   string        `yaml:"to"`
	Cost time.Duration `yaml:"cost"`
}

// API configures the local control socket used by argoctl.
type API struct {
	// Socket is the unix socket path (default /run/argo/argod.sock).
	Socket string `yaml:"socket"`
	// Mode is the socket's file mode as an octal string (default "0600").
	Mode string `yaml:"mode"`
}

// Metrics configures the Prometheus endpoint.
type Metrics struct {
	// Listen is host:port for /metrics (default 127.0.0.1:9464; "" or "off"
	// disables it).
	Listen string `yaml:"listen"`
}

// Log configures logging.
type Log struct {
	// Level is debug, info, warn or error (default info).
	Level string `yaml:"level"`
	// Format is text or json (default text).
	Format string `yaml:"format"`
}

// XDP configures the XDP program on the underlay interface.
type XDP struct {
	// Mode is auto (native, else generic), native, generic or off.
	Mode string `yaml:"mode"`
	// Interface is the underlay interface to attach to.
	Interface string `yaml:"interface"`
	// KeepOnExit leaves the program attached when argod exits, so that the
	// blocklist stays in force across restarts (maps are always pinned).
	KeepOnExit bool `yaml:"keep_on_exit"`
	// ZeroUDPChecksum zeroes the UDP checksum of relayed IPv4 packets
	// instead of updating it (needed on veth, where locally sent packets
	// carry partial checksums).
	ZeroUDPChecksum bool `yaml:"zero_udp_checksum"`
	// PinRoot is the bpffs directory for pinned maps; argod pins under
	// PinRoot/<pop name> (default /sys/fs/bpf/argo).
	PinRoot string `yaml:"pin_root"`
	// Egress lists further interfaces the relay may redirect to.
	Egress []string `yaml:"egress"`
	// Blocklist holds source prefixes dropped in the driver; entries added
	// at run time with argoctl stay in the pinned map.
	Blocklist []string `yaml:"blocklist"`
	// RateLimits are per-source token buckets for destination ports.
	RateLimits []RateLimit `yaml:"ratelimits"`
}

// RateLimit limits each source address to PPS packets per second (burst
// Burst) towards UDP destination port Port.
type RateLimit struct {
	Port  uint16 `yaml:"port"`
	PPS   uint32 `yaml:"pps"`
	Burst uint32 `yaml:"burst"`
}

// BGP configures the embedded BGP speaker that announces the anycast
// prefixes while this PoP is healthy.
type BGP struct {
	// ASN is the local AS number, plain ("65001") or asdot ("1.10").
	ASN string `yaml:"asn"`
	// RouterID defaults to the first IPv4 underlay address.
	RouterID string `yaml:"router_id"`
	// ListenAddress and ListenPort of the BGP listener (port default 179;
	// -1: no listener, argod only dials its neighbours).
	ListenAddress string        `yaml:"listen_address"`
	ListenPort    int           `yaml:"listen_port"`
	Neighbors     []BGPNeighbor `yaml:"neighbors"`
	// Anycast are the prefixes announced while healthy.
	Anycast []BGPAnycast `yaml:"anycast"`
	// NextHop4 and NextHop6 default to the session's local address.
	NextHop4 string `yaml:"next_hop4"`
	NextHop6 string `yaml:"next_hop6"`
	// HoldDown: announce only after healthy for this long (default 5s);
	// withdrawal is immediate.
	HoldDown time.Duration `yaml:"hold_down"`
	// DrainPrepend is the AS-path prepend count while draining (default 3).
	DrainPrepend int `yaml:"drain_prepend"`
	// DrainGrace is how long a drain prepends before it withdraws
	// (default 30s).
	DrainGrace time.Duration `yaml:"drain_grace"`
	// StateFile keeps the drain state across restarts (default
	// <state_dir>/<pop name>-bgp.json).
	StateFile string `yaml:"state_file"`
	// ShutdownTimeout bounds the wait for neighbours to confirm the
	// withdrawal on SIGTERM (default 5s).
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
}

// BGPNeighbor is one local router.
type BGPNeighbor struct {
	Address      string        `yaml:"address"`
	ASN          string        `yaml:"asn"`
	Password     string        `yaml:"password"`
	HoldTime     time.Duration `yaml:"hold_time"`
	Keepalive    time.Duration `yaml:"keepalive"`
	ConnectRetry time.Duration `yaml:"connect_retry"`
	TTLSecurity  bool          `yaml:"ttl_security"`
	Port         int           `yaml:"port"`
	Passive      bool          `yaml:"passive"`
	// LearnOrigins publishes the prefixes this neighbour announces as
	// origin prefixes served by this PoP.
	LearnOrigins bool `yaml:"learn_origins"`
}

// BGPAnycast is one anycast prefix with its communities.
type BGPAnycast struct {
	Prefix      string   `yaml:"prefix"`
	Communities []string `yaml:"communities"`
}
