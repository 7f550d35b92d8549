package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/argonet/argo/bgp"
)

// Error is a configuration error: the file, the line (0 if unknown) and the
// field path ("peers[1].underlay[0]") at fault.
type Error struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Resolved holds parsed, defaulted values derived from the YAML text.
type Resolved struct {
	Underlay    []netip.Addr
	OverlayAddr netip.Prefix
	OnRampAddr  netip.Prefix
	Clients     []ResolvedClient
	Peers       []ResolvedPeer
	GossipBind  netip.AddrPort
	Seeds       []string // host:port of the seed peers' gossip listeners
	Prefixes    []netip.Prefix
	Blocklist   []netip.Prefix
	BGP         bgp.Config // valid when the bgp section is present
	APIMode     os.FileMode
	LogLevel    slog.Level
}

// ResolvedPeer is a peer with parsed addresses and key.
type ResolvedPeer struct {
	ID          uint16
	Name        string
	City        string
	Underlay    []netip.Addr
	PublicKey   string // base64, checked to be 32 bytes
	GossipAddr  netip.AddrPort
	OverlayAddr netip.Addr
}

// ResolvedClient is an on-ramp client with parsed prefixes.
type ResolvedClient struct {
	Name       string
	PublicKey  string
	AllowedIPs []netip.Prefix
}

// OverlayRange holds every overlay address.
var OverlayRange = netip.MustParsePrefix("100.64.0.0/10")

// DefaultOverlayAddr is the overlay address of PoP id when none is
// configured: 100.64.0.0 plus id.
func DefaultOverlayAddr(id uint16) netip.Addr {
	return netip.AddrFrom4([4]byte{100, 64, byte(id >> 8), byte(id)})
}

// Limits of settings.
const (
	MinProbeInterval = 20 * time.Millisecond
	MaxProbeInterval = 10 * time.Second
	MaxPeers         = 4096
)

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,14}$`)

// Load reads and validates the configuration file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error()}
	}
	return Parse(path, data)
}

// Parse validates configuration text; file names it in errors.
func Parse(file string, data []byte) (*Config, error) {
	c := &Config{}
	pos, err := decodeStrict(file, data, c)
	if err != nil {
		return nil, err
	}
	c.File = file
	v := validator{file: file, pos: pos}
	c.applyDefaults()
	v.check(c)
	if v.err != nil {
		return nil, v.err
	}
	return c, nil
}

// validator collects the first error with its position.
type validator struct {
	file string
	pos  positions
	err  *Error
}

func (v *validator) fail(field, format string, args ...any) {
	if v.err != nil {
		return
	}
	v.err = &Error{File: v.file, Line: v.pos.line(field), Field: field, Msg: fmt.Sprintf(format, args...)}
}

func (c *Config) applyDefaults() {
	if c.Overlay.Port == 0 {
		c.Overlay.Port = 51821
	}
	if c.Overlay.Interface == "" && c.PoP.Name != "" {
		c.Overlay.Interface = "argo-" + c.PoP.Name
	}
	if c.Overlay.UnderlayMTU == 0 {
		c.Overlay.UnderlayMTU = 1500
	}
	if c.Overlay.ProbeInterval == 0 {
		c.Overlay.ProbeInterval = 50 * time.Millisecond
	}
	if c.Overlay.ProbeTimeout == 0 {
		c.Overlay.ProbeTimeout = 200 * time.Millisecond
	}
	if c.Overlay.ProbeLossDown == 0 {
		c.Overlay.ProbeLossDown = 0.25
	}
	if c.Overlay.Address == "" && c.PoP.ID != 0 {
		c.Overlay.Address = netip.PrefixFrom(DefaultOverlayAddr(c.PoP.ID), OverlayRange.Bits()).String()
	}
	if r := c.OnRamp; r != nil {
		if r.Interface == "" && c.PoP.Name != "" {
			r.Interface = "ramp-" + c.PoP.Name
		}
		if r.MTU == 0 {
			r.MTU = 1420
		}
	}
	if c.Gossip.Port == 0 {
		c.Gossip.Port = 7946
	}
	d := func(p *time.Duration, def time.Duration) {
		if *p == 0 {
			*p = def
		}
	}
	f := func(p *float64, def float64) {
		if *p == 0 {
			*p = def
		}
	}
	i := func(p *int, def int) {
		if *p == 0 {
			*p = def
		}
	}
	d(&c.Gossip.RefreshInterval, 5*time.Second)
	d(&c.Gossip.TTL, 30*time.Second)
	f(&c.Gossip.ChangeRelative, 0.10)
	d(&c.Gossip.ChangeAbsolute, 2*time.Millisecond)
	f(&c.Gossip.ChangeLoss, 0.02)
	d(&c.Probe.Interval, 200*time.Millisecond)
	i(&c.Probe.DownAfter, 3)
	i(&c.Probe.UpAfter, 3)
	i(&c.Probe.Window, 100)
	d(&c.Probe.MinTimeout, 100*time.Millisecond)
	d(&c.Probe.MaxTimeout, time.Second)
	i(&c.Path.MaxHops, 3)
	f(&c.Path.JitterFactor, 2)
	d(&c.Path.RetransmitPenalty, 200*time.Millisecond)
	f(&c.Path.MaxLoss, 0.5)
	d(&c.Path.RelayCost, time.Millisecond)
	f(&c.Path.HysteresisRelative, 0.08)
	d(&c.Path.HysteresisAbsolute, 2*time.Millisecond)
	d(&c.Path.HysteresisHold, 2*time.Second)
	d(&c.Path.HysteresisSettle, 30*time.Second)
	if c.API.Socket == "" {
		c.API.Socket = "/run/argo/argod.sock"
	}
	if c.StateDir == "" {
		c.StateDir = "/var/lib/argo"
	}
	if c.API.Mode == "" {
		c.API.Mode = "0600"
	}
	if c.Metrics.Listen == "" {
		c.Metrics.Listen = "127.0.0.1:9464"
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.Log.Format == "" {
		c.Log.Format = "text"
	}
}

func (v *validator) check(c *Config) {
	r := &c.Resolved
	// pop
	if c.PoP.ID == 0 {
		v.fail("pop.id", "must be set to 1..65535")
	}
	if !nameRE.MatchString(c.PoP.Name) {
		v.fail("pop.name", "%q is not a valid name (1-15 of a-z, 0-9, '-', starting with a letter or digit)", c.PoP.Name)
	}
	// underlay
	if len(c.Underlay) == 0 {
		v.fail("underlay", "at least one underlay address is required")
	}
	r.Underlay = v.addrs("underlay", c.Underlay)
	// overlay
	if c.Overlay.Port == 0 {
		v.fail("overlay.port", "must be 1..65535")
	}
	if len(c.Overlay.Interface) > 15 || strings.ContainsAny(c.Overlay.Interface, " /") {
		v.fail("overlay.interface", "%q is not a valid interface name (at most 15 characters, no '/' or space)", c.Overlay.Interface)
	}
	if p, err := netip.ParsePrefix(c.Overlay.Address); err != nil {
		v.fail("overlay.address", "%v", err)
	} else if !OverlayRange.Contains(p.Addr()) || p.Bits() < OverlayRange.Bits() {
		v.fail("overlay.address", "%s must be an address with prefix length inside %s", p, OverlayRange)
	} else {
		r.OverlayAddr = p
	}
	if c.Overlay.PrivateKeyFile == "" {
		v.fail("overlay.private_key_file", "required: this PoP's WireGuard private key (wg genkey), mode 0600")
	}
	v.intRange("overlay.underlay_mtu", c.Overlay.UnderlayMTU, 1280, 9000)
	v.durRange("overlay.probe_interval", c.Overlay.ProbeInterval, 10*time.Millisecond, time.Minute)
	v.durRange("overlay.probe_timeout", c.Overlay.ProbeTimeout, time.Millisecond, time.Minute)
	v.floatRange("overlay.probe_loss_down", c.Overlay.ProbeLossDown, 0.05, 1)
	v.onRamp(c)
	// peers
	if len(c.Peers) > MaxPeers {
		v.fail("peers", "%d peers exceed the limit %d", len(c.Peers), MaxPeers)
	}
	ids := map[uint16]string{c.PoP.ID: "pop.id"}
	names := map[string]string{c.PoP.Name: "pop.name"}
	for i, p := range c.Peers {
		at := fmt.Sprintf("peers[%d]", i)
		if p.ID == 0 {
			v.fail(at+".id", "must be set to 1..65535")
		}
		if p.ID == c.PoP.ID {
			v.fail(at+".id", "peer id %d is this PoP's own id (a PoP must not list itself as a peer)", p.ID)
		} else if prev, dup := ids[p.ID]; dup {
			v.fail(at+".id", "duplicate PoP id %d (also at %s)", p.ID, prev)
		}
		ids[p.ID] = at + ".id"
		if !nameRE.MatchString(p.Name) {
			v.fail(at+".name", "%q is not a valid name", p.Name)
		}
		if p.Name == c.PoP.Name {
			v.fail(at+".name", "peer name %q is this PoP's own name", p.Name)
		} else if prev, dup := names[p.Name]; dup {
			v.fail(at+".name", "duplicate PoP name %q (also at %s)", p.Name, prev)
		}
		names[p.Name] = at + ".name"
		if len(p.Underlay) == 0 {
			v.fail(at+".underlay", "at least one underlay address is required")
		}
		rp := ResolvedPeer{ID: p.ID, Name: p.Name, City: p.City, Underlay: v.addrs(at+".underlay", p.Underlay),
			PublicKey: p.PublicKey, OverlayAddr: DefaultOverlayAddr(p.ID)}
		if p.OverlayAddress != "" {
			a, err := netip.ParseAddr(p.OverlayAddress)
			if err != nil || !OverlayRange.Contains(a) {
				v.fail(at+".overlay_address", "%q is not an address inside %s", p.OverlayAddress, OverlayRange)
			}
			rp.OverlayAddr = a
		}
		for j, a := range rp.Underlay {
			for _, own := range r.Underlay {
				if a == own {
					v.fail(fmt.Sprintf("%s.underlay[%d]", at, j), "address %s is this PoP's own underlay address", a)
				}
			}
		}
		if !isKey(p.PublicKey) {
			v.fail(at+".public_key", "not a WireGuard public key (base64 of 32 bytes)")
		}
		port := c.Gossip.Port
		if p.GossipPort != 0 {
			port = p.GossipPort
		}
		if len(rp.Underlay) > 0 {
			rp.GossipAddr = netip.AddrPortFrom(rp.Underlay[0], port)
		}
		r.Peers = append(r.Peers, rp)
	}
	// gossip
	if c.Gossip.Bind == "" {
		if len(r.Underlay) > 0 {
			r.GossipBind = netip.AddrPortFrom(r.Underlay[0], c.Gossip.Port)
		}
	} else if a, err := netip.ParseAddr(c.Gossip.Bind); err != nil {
		v.fail("gossip.bind", "%v", err)
	} else {
		r.GossipBind = netip.AddrPortFrom(a, c.Gossip.Port)
	}
	seeds := c.Gossip.Seeds
	if len(seeds) == 0 {
		for _, p := range c.Peers {
			seeds = append(seeds, p.Name)
		}
	}
	for i, s := range seeds {
		found := false
		for _, p := range r.Peers {
			if p.Name == s {
				found = true
				r.Seeds = append(r.Seeds, p.GossipAddr.String())
			}
		}
		if !found {
			v.fail(fmt.Sprintf("gossip.seeds[%d]", i), "%q is not the name of a peer", s)
		}
	}
	if c.Gossip.SecretFile == "" {
		v.fail("gossip.secret_file", "required: a file holding the shared gossip key (base64 of 32 random bytes)")
	}
	v.durRange("gossip.refresh_interval", c.Gossip.RefreshInterval, 100*time.Millisecond, time.Hour)
	v.durRange("gossip.ttl", c.Gossip.TTL, time.Second, 24*time.Hour)
	if c.Gossip.TTL <= c.Gossip.RefreshInterval {
		v.fail("gossip.ttl", "%v must be longer than gossip.refresh_interval %v", c.Gossip.TTL, c.Gossip.RefreshInterval)
	}
	v.floatRange("gossip.change_relative", c.Gossip.ChangeRelative, 0, 10)
	v.durRange("gossip.change_absolute", c.Gossip.ChangeAbsolute, 0, time.Minute)
	v.floatRange("gossip.change_loss", c.Gossip.ChangeLoss, 0, 1)
	// probe
	v.durRange("probe.interval", c.Probe.Interval, MinProbeInterval, MaxProbeInterval)
	v.intRange("probe.down_after", c.Probe.DownAfter, 1, 100)
	v.intRange("probe.up_after", c.Probe.UpAfter, 1, 100)
	v.intRange("probe.window", c.Probe.Window, 10, 100000)
	v.durRange("probe.min_timeout", c.Probe.MinTimeout, time.Millisecond, 30*time.Second)
	v.durRange("probe.max_timeout", c.Probe.MaxTimeout, 10*time.Millisecond, 30*time.Second)
	if c.Probe.MinTimeout > c.Probe.MaxTimeout {
		v.fail("probe.min_timeout", "%v is above probe.max_timeout %v", c.Probe.MinTimeout, c.Probe.MaxTimeout)
	}
	// path
	v.intRange("path.max_hops", c.Path.MaxHops, 1, 4)
	v.floatRange("path.jitter_factor", c.Path.JitterFactor, 0, 100)
	v.durRange("path.retransmit_penalty", c.Path.RetransmitPenalty, 0, time.Minute)
	v.floatRange("path.max_loss", c.Path.MaxLoss, 0.01, 1)
	v.durRange("path.relay_cost", c.Path.RelayCost, 0, time.Minute)
	v.floatRange("path.hysteresis_relative", c.Path.HysteresisRelative, 0, 10)
	v.durRange("path.hysteresis_absolute", c.Path.HysteresisAbsolute, 0, time.Minute)
	v.durRange("path.hysteresis_hold", c.Path.HysteresisHold, 0, time.Hour)
	v.durRange("path.hysteresis_settle", c.Path.HysteresisSettle, 0, time.Hour)
	for i, b := range c.Path.Bias {
		at := fmt.Sprintf("path.bias[%d]", i)
		if _, ok := names[b.From]; !ok {
			v.fail(at+".from", "%q is not a PoP name", b.From)
		}
		if _, ok := names[b.To]; !ok {
			v.fail(at+".to", "%q is not a PoP name", b.To)
		}
		if b.From == b.To {
			v.fail(at+".to", "a link needs two different PoPs")
		}
		if b.Cost < -time.Second || b.Cost > time.Minute {
			v.fail(at+".cost", "%v out of range -1s..1m", b.Cost)
		}
	}
	// prefixes
	for i, s := range c.Prefixes {
		at := fmt.Sprintf("prefixes[%d]", i)
		p, err := netip.ParsePrefix(s)
		if err != nil {
			v.fail(at, "%v", err)
			continue
		}
		if p != p.Masked() {
			v.fail(at, "%s has host bits set (did you mean %s?)", s, p.Masked())
		}
		r.Prefixes = append(r.Prefixes, p)
	}
	v.xdp(c)
	v.bgp(c)
	// api, metrics, log
	if !strings.HasPrefix(c.API.Socket, "/") {
		v.fail("api.socket", "%q must be an absolute path", c.API.Socket)
	}
	if !strings.HasPrefix(c.StateDir, "/") {
		v.fail("state_dir", "%q must be an absolute path", c.StateDir)
	}
	if m, err := strconv.ParseUint(c.API.Mode, 8, 32); err != nil || m > 0o777 {
		v.fail("api.mode", "%q is not an octal file mode such as 0600", c.API.Mode)
	} else {
		r.APIMode = os.FileMode(m)
	}
	if c.Metrics.Listen != "off" {
		if _, err := netip.ParseAddrPort(c.Metrics.Listen); err != nil {
			v.fail("metrics.listen", "%q is not host:port (%v); use \"off\" to disable", c.Metrics.Listen, err)
		}
	}
	if err := r.LogLevel.UnmarshalText([]byte(c.Log.Level)); err != nil {
		v.fail("log.level", "%q is not one of debug, info, warn, error", c.Log.Level)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		v.fail("log.format", "%q is not text or json", c.Log.Format)
	}
}

func (v *validator) xdp(c *Config) {
	x := c.XDP
	if x == nil {
		return
	}
	if x.Mode == "" {
		x.Mode = "auto"
	}
	switch x.Mode {
	case "auto", "native", "generic", "off":
	default:
		v.fail("xdp.mode", "%q is not auto, native, generic or off", x.Mode)
	}
	if x.Mode != "off" && (x.Interface == "" || len(x.Interface) > 15) {
		v.fail("xdp.interface", "the underlay interface name is required (at most 15 characters)")
	}
	for i, s := range x.Blocklist {
		p, err := netip.ParsePrefix(s)
		if err != nil || p != p.Masked() {
			v.fail(fmt.Sprintf("xdp.blocklist[%d]", i), "%q is not a canonical prefix", s)
		}
		c.Resolved.Blocklist = append(c.Resolved.Blocklist, p)
	}
	seen := map[uint16]bool{}
	for i, r := range x.RateLimits {
		at := fmt.Sprintf("xdp.ratelimits[%d]", i)
		if r.Port == 0 {
			v.fail(at+".port", "must be 1..65535")
		}
		if seen[r.Port] {
			v.fail(at+".port", "duplicate port %d", r.Port)
		}
		seen[r.Port] = true
		if r.PPS == 0 {
			v.fail(at+".pps", "must be positive")
		}
		if r.Burst == 0 {
			v.fail(at+".burst", "must be positive")
		}
	}
}

func (v *validator) bgp(c *Config) {
	b := c.BGP
	if b == nil {
		return
	}
	bc := bgp.Config{
		ListenPort: b.ListenPort, HoldDown: b.HoldDown, DrainPrepend: b.DrainPrepend,
		DrainGrace: b.DrainGrace, StateFile: b.StateFile, ShutdownTimeout: b.ShutdownTimeout,
	}
	asn, err := bgp.ParseASN(b.ASN)
	if err != nil {
		v.fail("bgp.asn", "%v", err)
	}
	bc.ASN = asn
	addr := func(field, s string) netip.Addr {
		if s == "" {
			return netip.Addr{}
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			v.fail(field, "%q is not an IP address", s)
		}
		return a
	}
	bc.RouterID = addr("bgp.router_id", b.RouterID)
	if !bc.RouterID.IsValid() {
		for _, a := range c.Resolved.Underlay {
			if a.Is4() {
				bc.RouterID = a
				break
			}
		}
	}
	bc.ListenAddr = addr("bgp.listen_address", b.ListenAddress)
	bc.NextHop4 = addr("bgp.next_hop4", b.NextHop4)
	bc.NextHop6 = addr("bgp.next_hop6", b.NextHop6)
	if bc.StateFile == "" {
		bc.StateFile = filepath.Join(c.StateDir, c.PoP.Name+"-bgp.json")
	}
	for i, n := range b.Neighbors {
		at := fmt.Sprintf("bgp.neighbors[%d]", i)
		peerASN, err := bgp.ParseASN(n.ASN)
		if err != nil {
			v.fail(at+".asn", "%v", err)
		}
		bc.Neighbors = append(bc.Neighbors, bgp.Neighbor{
			Address: addr(at+".address", n.Address), PeerASN: peerASN, Password: n.Password,
			HoldTime: n.HoldTime, Keepalive: n.Keepalive, ConnectRetry: n.ConnectRetry,
			TTLSecurity: n.TTLSecurity, Port: n.Port, Passive: n.Passive, LearnOrigins: n.LearnOrigins,
		})
	}
	for i, a := range b.Anycast {
		at := fmt.Sprintf("bgp.anycast[%d]", i)
		p, err := bgp.ParsePrefix(a.Prefix)
		if err != nil {
			v.fail(at+".prefix", "%v", err)
		}
		bc.Anycast = append(bc.Anycast, bgp.Announcement{Prefix: p, Communities: a.Communities})
	}
	if v.err != nil {
		return
	}
	if err := bc.Validate(); err != nil {
		// Report the first problem at its line: bgp's field names match the
		// YAML ones below "bgp." except for a few Go-only names.
		var fe *bgp.FieldError
		if errors.As(err, &fe) {
			field := "bgp." + yamlBGPField(fe.Field)
			v.fail(field, "%v", fe.Err)
		} else {
			v.fail("bgp", "%v", err)
		}
		return
	}
	c.Resolved.BGP = bc
}

// yamlBGPField maps a bgp.Config field path to its YAML name.
func yamlBGPField(f string) string {
	r := strings.NewReplacer("peer_asn", "asn", "PeerASN", "asn", "listen_addr", "listen_address")
	return r.Replace(f)
}

func isKey(s string) bool {
	k, err := base64.StdEncoding.DecodeString(s)
	return err == nil && len(k) == 32
}

func (v *validator) onRamp(c *Config) {
	o := c.OnRamp
	if o == nil {
		return
	}
	r := &c.Resolved
	if len(o.Interface) > 15 || o.Interface == c.Overlay.Interface {
		v.fail("onramp.interface", "%q must be a unique interface name of at most 15 characters", o.Interface)
	}
	if o.ListenPort == 0 || o.ListenPort == c.Overlay.Port {
		v.fail("onramp.listen_port", "must be set and differ from overlay.port")
	}
	if o.PrivateKeyFile == "" {
		v.fail("onramp.private_key_file", "required")
	}
	if p, err := netip.ParsePrefix(o.Address); err != nil {
		v.fail("onramp.address", "%v", err)
	} else {
		r.OnRampAddr = p
	}
	v.intRange("onramp.mtu", o.MTU, 576, 9000)
	for i, cl := range o.Clients {
		at := fmt.Sprintf("onramp.clients[%d]", i)
		if !isKey(cl.PublicKey) {
			v.fail(at+".public_key", "not a WireGuard public key (base64 of 32 bytes)")
		}
		rc := ResolvedClient{Name: cl.Name, PublicKey: cl.PublicKey}
		if len(cl.AllowedIPs) == 0 {
			v.fail(at+".allowed_ips", "at least one prefix is required")
		}
		for j, s := range cl.AllowedIPs {
			p, err := netip.ParsePrefix(s)
			if err != nil || p != p.Masked() {
				v.fail(fmt.Sprintf("%s.allowed_ips[%d]", at, j), "%q is not a canonical prefix", s)
			}
			rc.AllowedIPs = append(rc.AllowedIPs, p)
		}
		r.Clients = append(r.Clients, rc)
	}
}

func (v *validator) addrs(field string, in []string) []netip.Addr {
	var out []netip.Addr
	seen := map[netip.Addr]bool{}
	for i, s := range in {
		at := fmt.Sprintf("%s[%d]", field, i)
		a, err := netip.ParseAddr(s)
		if err != nil {
			v.fail(at, "%q is not an IP address", s)
			continue
		}
		if a.Zone() != "" || a.IsUnspecified() || a.IsMulticast() {
			v.fail(at, "%s cannot be an underlay address", s)
		}
		if seen[a] {
			v.fail(at, "duplicate address %s", s)
		}
		seen[a] = true
		out = append(out, a.Unmap())
	}
	return out
}

func (v *validator) durRange(field string, d, lo, hi time.Duration) {
	if d < lo || d > hi {
		v.fail(field, "%v out of range %v..%v", d, lo, hi)
	}
}

func (v *validator) intRange(field string, n, lo, hi int) {
	if n < lo || n > hi {
		v.fail(field, "%d out of range %d..%d", n, lo, hi)
	}
}

func (v *validator) floatRange(field string, f, lo, hi float64) {
	if !(f >= lo && f <= hi) {
		v.fail(field, "%g out of range %g..%g", f, lo, hi)
	}
}

// Peer returns the resolved peer with the given id.
func (c *Config) Peer(id uint16) (ResolvedPeer, bool) {
	for _, p := range c.Resolved.Peers {
		if p.ID == id {
			return p, true
		}
	}
	return ResolvedPeer{}, false
}

// NameOf returns the name of PoP id (this PoP or a peer), or "#id".
func (c *Config) NameOf(id uint16) string {
	if id == c.PoP.ID {
		return c.PoP.Name
	}
	if p, ok := c.Peer(id); ok {
		return p.Name
	}
	return "#" + strconv.Itoa(int(id))
}

// IDOf returns the id of the PoP named name.
func (c *Config) IDOf(name string) (uint16, bool) {
	if name == c.PoP.Name {
		return c.PoP.ID, true
	}
	for _, p := range c.Resolved.Peers {
		if p.Name == name {
			return p.ID, true
		}
	}
	return 0, false
}
