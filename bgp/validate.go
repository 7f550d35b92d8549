package bgp

import (
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Limits checked by Validate.
const (
	maxDrainPrepend = 16
	maxPasswordLen  = 80 // TCP_MD5SIG_MAXKEYLEN
	maxHoldTime     = 65535 * time.Second
	minHoldTime     = 3 * time.Second // RFC 4271 4.2
)

// FieldError is a configuration error in one field. Field is a path such as
// "neighbors[1].address", written with the snake_case names a YAML layer is
// expected to use.
type FieldError struct {
	Field string
	Err   error
}

// Error implements error.
func (e *FieldError) Error() string { return "bgp: " + e.Field + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *FieldError) Unwrap() error { return e.Err }

// Validate checks c and returns every problem found, each as a *FieldError
// (joined with errors.Join), or nil.
func (c Config) Validate() error {
	var errs []error
	add := func(field string, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Err: fmt.Errorf(format, args...)})
	}

	if err := checkASN(c.ASN); err != nil {
		add("asn", "%v", err)
	}
	if !c.RouterID.IsValid() {
		add("router_id", "required (an IPv4 address)")
	} else if !c.RouterID.Unmap().Is4() || c.RouterID.IsUnspecified() {
		add("router_id", "%s is not a usable IPv4 address", c.RouterID)
	}
	if c.ListenAddr.IsValid() && c.ListenAddr.IsMulticast() {
		add("listen_addr", "%s is a multicast address", c.ListenAddr)
	}
	if c.ListenPort < NoListener || c.ListenPort > 65535 {
		add("listen_port", "%d is out of range (-1 for no listener, 0 for 179, or 1..65535)", c.ListenPort)
	}
	if c.NextHop4.IsValid() && (!c.NextHop4.Is4() || c.NextHop4.IsUnspecified()) {
		add("next_hop4", "%s is not a usable IPv4 address", c.NextHop4)
	}
	if c.NextHop6.IsValid() && (!c.NextHop6.Is6() || c.NextHop6.Is4In6() || c.NextHop6.IsUnspecified()) {
		add("next_hop6", "%s is not a usable IPv6 address", c.NextHop6)
	}
	if c.HoldDown < 0 {
		add("hold_down", "%v is negative", c.HoldDown)
	}
	if c.DrainPrepend < 0 || c.DrainPrepend > maxDrainPrepend {
		add("drain_prepend", "%d is out of range 1..%d (0 for the default %d)", c.DrainPrepend, maxDrainPrepend, DefaultDrainPrepend)
	}
	if c.DrainGrace < 0 {
		add("drain_grace", "%v is negative", c.DrainGrace)
	}
	if c.ShutdownTimeout < 0 {
		add("shutdown_timeout", "%v is negative", c.ShutdownTimeout)
	}

	families := c.validateNeighbors(add)
	c.validateAnycast(families, add)
	return errors.Join(errs...)
}

// sessionFamilies records which transport families the neighbours use.
type sessionFamilies struct{ v4, v6 bool }

// validateNeighbors checks the neighbour list and reports the session
// families in use.
func (c Config) validateNeighbors(add func(string, string, ...any)) sessionFamilies {
	var fam sessionFamilies
	if len(c.Neighbors) == 0 {
		add("neighbors", "at least one neighbour is required")
	}
	seen := make(map[netip.Addr]int, len(c.Neighbors))
	for i, n := range c.Neighbors {
		f := func(name string) string { return fmt.Sprintf("neighbors[%d].%s", i, name) }
		addr := n.Address.Unmap()
		switch {
		case !addr.IsValid():
			add(f("address"), "required")
		case addr.IsUnspecified() || addr.IsMulticast():
			add(f("address"), "%s is not a unicast address", n.Address)
		default:
			if j, dup := seen[addr]; dup {
				add(f("address"), "%s duplicates neighbors[%d]", addr, j)
			}
			seen[addr] = i
			if addr.Is4() {
				fam.v4 = true
			} else {
				fam.v6 = true
			}
		}
		if err := checkASN(n.PeerASN); err != nil {
			add(f("peer_asn"), "%v", err)
		}
		if len(n.Password) > maxPasswordLen {
			add(f("password"), "%d bytes, at most %d allowed", len(n.Password), maxPasswordLen)
		}
		hold := n.HoldTime
		switch {
		case hold == 0:
			hold = DefaultHoldTime
		case hold < minHoldTime || hold > maxHoldTime || hold%time.Second != 0:
			add(f("hold_time"), "%v: want whole seconds in 3s..65535s", n.HoldTime)
		}
		if n.Keepalive != 0 && (n.Keepalive < time.Second || n.Keepalive%time.Second != 0 || n.Keepalive >= hold) {
			add(f("keepalive"), "%v: want whole seconds, at least 1s and less than the hold time %v", n.Keepalive, hold)
		}
		if n.ConnectRetry < 0 || n.ConnectRetry%time.Second != 0 {
			add(f("connect_retry"), "%v: want whole seconds", n.ConnectRetry)
		}
		if n.Port < 0 || n.Port > 65535 {
			add(f("port"), "%d is out of range 1..65535 (0 for 179)", n.Port)
		}
		if n.LocalAddress.IsValid() && addr.IsValid() && n.LocalAddress.Unmap().Is4() != addr.Is4() {
			add(f("local_address"), "%s is not of the family of the neighbour address %s", n.LocalAddress, addr)
		}
		if n.Passive && c.ListenPort == NoListener {
			add(f("passive"), "a passive neighbour needs a listener, but listen_port is -1")
		}
	}
	return fam
}

// validateAnycast checks the anycast prefixes and their next hops.
func (c Config) validateAnycast(fam sessionFamilies, add func(string, string, ...any)) {
	seen := make(map[netip.Prefix]int, len(c.Anycast))
	var need4, need6 netip.Prefix // first prefix that lacks a next hop
	for i, a := range c.Anycast {
		f := func(name string) string { return fmt.Sprintf("anycast[%d].%s", i, name) }
		p := a.Prefix
		switch {
		case !p.IsValid():
			add(f("prefix"), "missing or not a valid prefix")
			continue
		case p.Addr().Is4In6():
			add(f("prefix"), "%s is an IPv4-mapped IPv6 prefix; write it as IPv4", p)
			continue
		case p != p.Masked():
			add(f("prefix"), "%s has host bits set (did you mean %s?)", p, p.Masked())
		}
		if j, dup := seen[p.Masked()]; dup {
			add(f("prefix"), "%s duplicates anycast[%d]", p, j)
		}
		seen[p.Masked()] = i
		if _, err := parseCommunities(a.Communities); err != nil {
			add(f("communities"), "%v", err)
		}
		if p.Addr().Is4() && fam.v6 && !c.NextHop4.IsValid() && !need4.IsValid() {
			need4 = p
		}
		if p.Addr().Is6() && fam.v4 && !c.NextHop6.IsValid() && !need6.IsValid() {
			need6 = p
		}
	}
	if need4.IsValid() {
		add("next_hop4", "required to announce IPv4 prefixes (%s) over IPv6 sessions", need4)
	}
	if need6.IsValid() {
		add("next_hop6", "required to announce IPv6 prefixes (%s) over IPv4 sessions", need6)
	}
}

// ParsePrefix parses an anycast or origin prefix written as text and
// insists on a network address: "192.0.2.1/24" is an error that suggests
// "192.0.2.0/24".
func ParsePrefix(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("prefix %q does not parse: want address/length such as 192.0.2.0/24 or 2001:db8::/48", s)
	}
	if p.Addr().Is4In6() {
		return netip.Prefix{}, fmt.Errorf("prefix %q is IPv4-mapped IPv6; write it as IPv4", s)
	}
	if p != p.Masked() {
		return netip.Prefix{}, fmt.Errorf("prefix %q has host bits set (did you mean %s?)", s, p.Masked())
	}
	return p, nil
}
