package api

import "time"

// Paths of the API endpoints (HTTP over the unix socket).
const (
	PathStatus  = "/v1/status"
	PathPaths   = "/v1/paths"
	PathLinks   = "/v1/links"
	PathPeers   = "/v1/peers"
	PathPin     = "/v1/pin"
	PathUnpin   = "/v1/unpin"
	PathBGP     = "/v1/bgp"
	PathDrain   = "/v1/drain"
	PathUndrain = "/v1/undrain"
	PathFilters = "/v1/filters"
	PathRate    = "/v1/ratelimits"
	PathXDP     = "/v1/xdp"
)

// Status summarises a running argod.
type Status struct {
	PoP        string    `json:"pop"`
	ID         uint16    `json:"id"`
	Version    string    `json:"version"`
	ConfigFile string    `json:"config_file"`
	Started    time.Time `json:"started"`
	UptimeSec  float64   `json:"uptime_sec"`
	Peers      int       `json:"peers"`
	PeersUp    int       `json:"peers_up"`
	Links      int       `json:"links"`
	// Reachable counts destinations with a route.
	Reachable  int      `json:"reachable"`
	Members    []Member `json:"members"`
	Generation uint64   `json:"route_generation"`
	Healthy    bool     `json:"healthy"`
	Health     string   `json:"health"`
	Reloads    uint64   `json:"reloads"`
	LastReload string   `json:"last_reload,omitempty"`
}

// Member is a gossip member as memberlist sees it.
type Member struct {
	Name    string `json:"name"`
	ID      uint16 `json:"id"`
	Address string `json:"address"`
	State   string `json:"state"`
}

// Link is one directed link of the graph with its latest measurement.
type Link struct {
	From     string  `json:"from"`
	To       string  `json:"to"`
	FromID   uint16  `json:"from_id"`
	ToID     uint16  `json:"to_id"`
	Up       bool    `json:"up"`
	RTTMs    float64 `json:"rtt_ms"`
	JitterMs float64 `json:"jitter_ms"`
	Loss     float64 `json:"loss"`
	// CostMs is the edge cost pathcalc uses (effective latency).
	CostMs float64 `json:"cost_ms"`
	BiasMs float64 `json:"bias_ms,omitempty"`
	// AgeSec is the age of the data: since the local measurement for this
	// PoP's own links, since the table was received for gossiped ones.
	AgeSec float64 `json:"age_sec"`
	// Source is "local" (this PoP's prober) or "gossip".
	Source string `json:"source"`
}

// Route is the path chosen to one destination and why.
type Route struct {
	Dst       string `json:"dst"`
	DstID     uint16 `json:"dst_id"`
	Reachable bool   `json:"reachable"`
	// Path lists PoP names from this PoP to the destination.
	Path   []string `json:"path,omitempty"`
	CostMs float64  `json:"cost_ms"`
	// RTTMs, LossRatio and JitterMs are the measured figures along Path
	// (sums of the links' RTT and jitter; the combined loss).
	RTTMs     float64 `json:"rtt_ms"`
	LossRatio float64 `json:"loss"`
	JitterMs  float64 `json:"jitter_ms"`
	// Probe* are the whole-path figures measured by in-band path probes,
	// when the data plane runs them.
	ProbeRTTMs *float64 `json:"probe_rtt_ms,omitempty"`
	ProbeLoss  *float64 `json:"probe_loss,omitempty"`
	// DirectCostMs is the cost of the direct link (DirectUp false: down or
	// unmeasured).
	DirectCostMs float64   `json:"direct_cost_ms"`
	DirectUp     bool      `json:"direct_up"`
	GainMs       float64   `json:"gain_ms"`
	GainPct      float64   `json:"gain_pct"`
	Since        time.Time `json:"since"`
	HeldSec      float64   `json:"held_sec"`
	Reason       string    `json:"reason"`
	Pinned       bool      `json:"pinned"`
	Backups      []Backup  `json:"backups,omitempty"`
}

// Backup is a precomputed alternative path.
type Backup struct {
	Path   []string `json:"path"`
	CostMs float64  `json:"cost_ms"`
}

// PinRequest pins the route to Dst via the relay PoPs Via (names, in order;
// empty means the direct link).
type PinRequest struct {
	Dst string   `json:"dst"`
	Via []string `json:"via"`
}

// UnpinRequest removes the pin of Dst.
type UnpinRequest struct {
	Dst string `json:"dst"`
}

// Error is the body of every non-2xx answer.
type Error struct {
	Error string `json:"error"`
}

// Peer is the WireGuard state of one peer PoP on the backbone.
type Peer struct {
	Name      string `json:"name"`
	ID        uint16 `json:"id"`
	PublicKey string `json:"public_key"`
	// HandshakeAgeSec is the age of the last handshake, -1 if none yet.
	HandshakeAgeSec float64  `json:"handshake_age_sec"`
	RxBytes         uint64   `json:"rx_bytes"`
	TxBytes         uint64   `json:"tx_bytes"`
	AllowedIPs      []string `json:"allowed_ips"`
	// Path is the path traffic to the peer takes now (PoP names).
	Path []string `json:"path"`
}

// XDP reports the XDP fast path and the userspace relay side by side.
type XDP struct {
	// Mode is native, generic, or off (userspace relay only).
	Mode      string `json:"mode"`
	Interface string `json:"interface,omitempty"`
	Reason    string `json:"reason,omitempty"`
	// Counters are the XDP program's per-reason packet counts.
	Counters []XDPCounter `json:"counters,omitempty"`
	// Userspace holds the userspace data plane's counters.
	Userspace Relay `json:"userspace"`
}

// XDPCounter is one of the XDP program's counters.
type XDPCounter struct {
	Action  string `json:"action"`
	Reason  string `json:"reason"`
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
}

// Relay holds the userspace overlay socket's counters.
type Relay struct {
	Received  uint64            `json:"received"`
	Delivered uint64            `json:"delivered"`
	Relayed   uint64            `json:"relayed"`
	Sent      uint64            `json:"sent"`
	Drops     map[string]uint64 `json:"drops"`
}

// Filter is a blocklist entry.
type Filter struct {
	Prefix string `json:"prefix"`
	Hits   uint64 `json:"hits"`
}

// FilterRequest adds or deletes a blocklist prefix.
type FilterRequest struct {
	Prefix string `json:"prefix"`
}

// RateLimit is a per-source rate limit for a UDP destination port.
type RateLimit struct {
	Port  uint16 `json:"port"`
	PPS   uint32 `json:"pps"`
	Burst uint32 `json:"burst"`
	Drops uint64 `json:"drops,omitempty"`
}

// BGP is the state of the embedded BGP speaker.
type BGP struct {
	Enabled      bool          `json:"enabled"`
	Running      bool          `json:"running"`
	ASN          uint32        `json:"asn"`
	RouterID     string        `json:"router_id"`
	Healthy      bool          `json:"healthy"`
	HealthReason string        `json:"health_reason"`
	Drain        string        `json:"drain"` // none, draining, drained
	WithdrawAt   *time.Time    `json:"withdraw_at,omitempty"`
	Neighbors    []BGPNeighbor `json:"neighbors"`
	Prefixes     []BGPAnycast  `json:"prefixes"`
	Learned      []string      `json:"learned,omitempty"`
}

// BGPNeighbor is one BGP session.
type BGPNeighbor struct {
	Address          string  `json:"address"`
	ASN              uint32  `json:"asn"`
	State            string  `json:"state"`
	UptimeSec        float64 `json:"uptime_sec"`
	PrefixesSent     uint64  `json:"prefixes_sent"`
	PrefixesReceived uint64  `json:"prefixes_received"`
}

// BGPAnycast is one anycast prefix and what the neighbours are told.
type BGPAnycast struct {
	Prefix  string `json:"prefix"`
	State   string `json:"state"` // announced, prepended, withdrawn
	Prepend int    `json:"prepend,omitempty"`
	Reason  string `json:"reason"`
}
