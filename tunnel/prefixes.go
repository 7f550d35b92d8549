package tunnel

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// SetPrefixes makes the backbone route every other PoP's served prefixes to
// that PoP: a kernel route into the backbone interface and the prefix in the
// PoP's WireGuard AllowedIPs (so that WireGuard both sends to and accepts
// from that PoP for the prefix). m maps PoP ids to the prefixes they serve;
// this PoP's own entry is ignored (it delivers through its own kernel
// routing). Only the differences to the previous call are applied. A prefix
// served by several PoPs goes to the lowest PoP id. Invalid input changes
// nothing.
func (b *Backbone) SetPrefixes(m map[uint16][]netip.Prefix) error {
	want, err := b.desiredPrefixes(m)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return errClosedSocket
	}
	var removed, added, moved []netip.Prefix
	for p, owner := range b.prefixes {
		if w, ok := want[p]; !ok {
			removed = append(removed, p)
		} else if w != owner {
			moved = append(moved, p)
		}
	}
	for p := range want {
		if _, ok := b.prefixes[p]; !ok {
			added = append(added, p)
		}
	}
	if len(removed)+len(added)+len(moved) == 0 {
		return nil
	}
	// Kernel routes first: a route into the tunnel without AllowedIPs
	// drops, which is what an unknown prefix does anyway.
	var done []netip.Prefix
	for _, p := range added {
		if err := b.nl.RouteReplace(b.prefixRoute(p)); err != nil {
			for _, q := range done {
				_ = b.nl.RouteDel(b.prefixRoute(q))
			}
			return fmt.Errorf("tunnel: route %v into %s: %w", p, b.cfg.Interface, err)
		}
		done = append(done, p)
	}
	if err := b.dev.IpcSet(allowedIPsDiff(b.cfg.Peers, b.prefixes, want)); err != nil {
		for _, q := range done {
			_ = b.nl.RouteDel(b.prefixRoute(q))
		}
		return fmt.Errorf("tunnel: update wireguard allowed ips: %w", err)
	}
	for _, p := range removed {
		if err := b.nl.RouteDel(b.prefixRoute(p)); err != nil {
			b.log.Warn("remove route", "prefix", p, "err", err)
		}
	}
	b.prefixes = want
	b.log.Info("served prefixes updated", "added", len(added), "removed", len(removed), "moved", len(moved))
	return nil
}

// desiredPrefixes validates m and returns prefix -> owning PoP.
func (b *Backbone) desiredPrefixes(m map[uint16][]netip.Prefix) (map[netip.Prefix]uint16, error) {
	want := map[netip.Prefix]uint16{}
	for _, id := range slices.Sorted(maps.Keys(m)) {
		if id == b.cfg.ID {
			continue
		}
		if b.pops.byID[id] == nil {
			return nil, fmt.Errorf("tunnel: prefixes: pop %d is not a configured peer", id)
		}
		for i, p := range m[id] {
			if !p.IsValid() {
				return nil, fmt.Errorf("tunnel: prefixes[%d][%d]: invalid prefix", id, i)
			}
			if p != p.Masked() {
				return nil, fmt.Errorf("tunnel: prefixes[%d][%d]: %v has host bits set (want %v)", id, i, p, p.Masked())
			}
			if p.Contains(b.cfg.Address.Addr()) {
				return nil, fmt.Errorf("tunnel: prefixes[%d][%d]: %v contains this PoP's overlay address %v", id, i, p, b.cfg.Address.Addr())
			}
			if _, taken := want[p]; !taken {
				want[p] = id
			}
		}
	}
	return want, nil
}

// prefixRoute is the kernel route of a served prefix into the backbone.
func (b *Backbone) prefixRoute(p netip.Prefix) *netlink.Route {
	family := unix.AF_INET
	if p.Addr().Is6() {
		family = unix.AF_INET6
	}
	return &netlink.Route{
		LinkIndex: b.tunIndex(),
		Dst:       prefixIPNet(p),
		Scope:     netlink.SCOPE_LINK,
		Family:    family,
		Protocol:  routeProtocol,
	}
}

// routeProtocol marks the routes this package installs (RTPROT_STATIC + 1
// is unused by common daemons; shows as "proto 5" in `ip route`).
const routeProtocol = 5

// tunIndex returns the backbone interface index (0 if it is gone).
func (b *Backbone) tunIndex() int {
	l, err := b.nl.LinkByName(b.cfg.Interface)
	if err != nil {
		return 0
	}
	return l.Attrs().Index
}

// allowedIPsDiff returns the UAPI update moving WireGuard AllowedIPs from
// have to want (prefix -> PoP).
func allowedIPsDiff(peers []Peer, have, want map[netip.Prefix]uint16) string {
	var sb strings.Builder
	for _, p := range peers {
		var lines []string
		for pre, owner := range have {
			if owner == p.ID && want[pre] != p.ID {
				lines = append(lines, "allowed_ip=-"+pre.String())
			}
		}
		for pre, owner := range want {
			if old, ok := have[pre]; owner == p.ID && (!ok || old != p.ID) {
				lines = append(lines, "allowed_ip="+pre.String())
			}
		}
		if len(lines) == 0 {
			continue
		}
		pub, _ := keyHex(p.PublicKey)
		fmt.Fprintf(&sb, "public_key=%s\nupdate_only=true\n", pub)
		slices.Sort(lines)
		for _, l := range lines {
			sb.WriteString(l)
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}
