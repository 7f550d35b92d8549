package bgp

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

func TestRoutePath(t *testing.T) {
	nh4 := netip.MustParseAddr("198.18.0.1")
	nh6 := netip.MustParseAddr("2001:db8::1")
	tests := []struct {
		name       string
		ann        Announcement
		prepend    int
		wantNH     string
		wantASPath []uint32
		wantComms  []uint32
		wantLarge  int
	}{
		{name: "v4 plain", ann: Announcement{Prefix: netip.MustParsePrefix("192.0.2.0/24"), Communities: []string{"65001:100", "1:2:3"}},
			wantNH: "198.18.0.1", wantComms: []uint32{65001<<16 | 100}, wantLarge: 1},
		{name: "v4 draining", ann: Announcement{Prefix: netip.MustParsePrefix("192.0.2.0/24")}, prepend: 3,
			wantNH: "198.18.0.1", wantASPath: []uint32{65001, 65001, 65001}, wantComms: []uint32{communityGracefulShutdown}},
		{name: "v6 plain", ann: Announcement{Prefix: netip.MustParsePrefix("2001:db8:a0::/48")}, wantNH: "2001:db8::1"},
		{name: "v6 draining keeps its communities", ann: Announcement{Prefix: netip.MustParsePrefix("2001:db8:a0::/48"), Communities: []string{"no-export"}},
			prepend: 1, wantNH: "2001:db8::1", wantASPath: []uint32{65001}, wantComms: []uint32{0xFFFFFF01, communityGracefulShutdown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := newRoute(tt.ann)
			if err != nil {
				t.Fatal(err)
			}
			p, err := r.path(65001, tt.prepend, nh4, nh6)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := prefixOf(p.Nlri); !ok || got != tt.ann.Prefix {
				t.Errorf("prefix = %v, %v; want %v", got, ok, tt.ann.Prefix)
			}
			wantFamily := bgp.RF_IPv4_UC
			if tt.ann.Prefix.Addr().Is6() {
				wantFamily = bgp.RF_IPv6_UC
			}
			if p.Family != wantFamily || p.Withdrawal {
				t.Errorf("family %v, withdrawal %v; want %v, false", p.Family, p.Withdrawal, wantFamily)
			}
			var nh string
			var asPath, comms []uint32
			large := 0
			for _, a := range p.Attrs {
				switch a := a.(type) {
				case *bgp.PathAttributeNextHop:
					nh = a.Value.String()
				case *bgp.PathAttributeMpReachNLRI:
					nh = a.Nexthop.String()
				case *bgp.PathAttributeAsPath:
					for _, seg := range a.Value {
						asPath = append(asPath, seg.GetAS()...)
					}
				case *bgp.PathAttributeCommunities:
					comms = a.Value
				case *bgp.PathAttributeLargeCommunities:
					large = len(a.Values)
				}
			}
			if nh != tt.wantNH || !slices.Equal(asPath, tt.wantASPath) || !slices.Equal(comms, tt.wantComms) || large != tt.wantLarge {
				t.Errorf("next hop %s, AS path %v, communities %#x, %d large; want %s, %v, %#x, %d",
					nh, asPath, comms, large, tt.wantNH, tt.wantASPath, tt.wantComms, tt.wantLarge)
			}
			w, err := r.withdrawal()
			if err != nil || !w.Withdrawal || w.Family != wantFamily {
				t.Errorf("withdrawal = %+v, %v", w, err)
			}
			if got, ok := prefixOf(w.Nlri); !ok || got != tt.ann.Prefix {
				t.Errorf("withdrawal prefix = %v, %v; want %v", got, ok, tt.ann.Prefix)
			}
		})
	}
}

func TestRoutePathDefaultNextHop(t *testing.T) {
	for prefix, want := range map[string]string{"192.0.2.0/24": "0.0.0.0", "2001:db8::/32": "::"} {
		r, _ := newRoute(Announcement{Prefix: netip.MustParsePrefix(prefix)})
		p, err := r.path(65001, 0, netip.Addr{}, netip.Addr{})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range p.Attrs {
			var nh string
			switch a := a.(type) {
			case *bgp.PathAttributeNextHop:
				nh = a.Value.String()
			case *bgp.PathAttributeMpReachNLRI:
				nh = a.Nexthop.String()
			default:
				continue
			}
			if nh != want {
				t.Errorf("%s: next hop %s, want %s (GoBGP substitutes the session address)", prefix, nh, want)
			}
		}
	}
}

func TestPeerConfig(t *testing.T) {
	n := Config{Neighbors: []Neighbor{{
		Address: netip.MustParseAddr("198.18.0.254"), PeerASN: 65000, Password: "pw", TTLSecurity: true,
		LocalAddress: netip.MustParseAddr("198.18.0.1"), Passive: true, Port: 1179,
	}}}.withDefaults().Neighbors[0]
	p := peerConfig(n)
	if p.Conf.NeighborAddress != "198.18.0.254" || p.Conf.PeerAsn != 65000 || p.Conf.AuthPassword != "pw" {
		t.Errorf("conf = %+v", p.Conf)
	}
	if p.Timers.Config.HoldTime != 90 || p.Timers.Config.KeepaliveInterval != 30 || p.Timers.Config.ConnectRetry != 5 {
		t.Errorf("timers = %+v", p.Timers.Config)
	}
	if !p.Transport.PassiveMode || p.Transport.RemotePort != 1179 || p.Transport.LocalAddress != "198.18.0.1" {
		t.Errorf("transport = %+v", p.Transport)
	}
	if !p.TtlSecurity.Enabled || p.TtlSecurity.TtlMin != 255 {
		t.Errorf("ttl security = %+v", p.TtlSecurity)
	}
	if len(p.AfiSafis) != 2 {
		t.Errorf("families = %v, want IPv4 and IPv6 unicast", p.AfiSafis)
	}
}
