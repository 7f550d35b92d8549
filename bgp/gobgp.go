package bgp

import (
	"fmt"
	"net/netip"
	"time"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// Names of the GoBGP objects this package defines.
const (
	policyImport   = "argo-import"
	policyExport   = "argo-export"
	neighborsLearn = "argo-learn-origins"
	globalTable    = "global"
)

var (
	familyV4 = &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}
	familyV6 = &api.Family{Afi: api.Family_AFI_IP6, Safi: api.Family_SAFI_UNICAST}
)

// globalConfig converts c to GoBGP's global configuration.
func globalConfig(c Config) *api.Global {
	g := &api.Global{
		Asn:        c.ASN,
		RouterId:   c.RouterID.Unmap().String(),
		ListenPort: int32(c.ListenPort),
	}
	if c.ListenAddr.IsValid() {
		g.ListenAddresses = []string{c.ListenAddr.Unmap().String()}
	}
	return g
}

// seconds converts a validated whole-second duration for GoBGP.
func seconds(d time.Duration) uint64 { return uint64(d / time.Second) }

// peerConfig converts a neighbour (with defaults applied) to GoBGP's form.
// Both unicast families are enabled on every session (MP-BGP).
func peerConfig(n Neighbor) *api.Peer {
	p := &api.Peer{
		Conf: &api.PeerConf{
			NeighborAddress: n.Address.String(),
			PeerAsn:         n.PeerASN,
			AuthPassword:    n.Password,
		},
		Timers: &api.Timers{Config: &api.TimersConfig{
			HoldTime:               seconds(n.HoldTime),
			KeepaliveInterval:      seconds(n.Keepalive),
			ConnectRetry:           seconds(n.ConnectRetry),
			IdleHoldTimeAfterReset: seconds(n.ConnectRetry),
		}},
		Transport: &api.Transport{
			PassiveMode: n.Passive,
			RemotePort:  uint32(n.Port),
		},
		AfiSafis: []*api.AfiSafi{
			{Config: &api.AfiSafiConfig{Family: familyV4, Enabled: true}},
			{Config: &api.AfiSafiConfig{Family: familyV6, Enabled: true}},
		},
	}
	if n.LocalAddress.IsValid() {
		p.Transport.LocalAddress = n.LocalAddress.String()
	}
	if n.TTLSecurity {
		p.TtlSecurity = &api.TtlSecurity{Enabled: true, TtlMin: 255}
	}
	return p
}

// importPolicy accepts locally originated paths and paths from the
// LearnOrigins neighbours; everything else is rejected (default action).
func importPolicy(learn []netip.Addr) *api.Policy {
	stmts := []*api.Statement{{
		Name:       policyImport + "-local",
		Conditions: &api.Conditions{RouteType: api.Conditions_ROUTE_TYPE_LOCAL},
		Actions:    &api.Actions{RouteAction: api.RouteAction_ROUTE_ACTION_ACCEPT},
	}}
	// An empty neighbour set would match every neighbour: only add the
	// statement when there is someone to learn from.
	if len(learn) > 0 {
		stmts = append(stmts, &api.Statement{
			Name: policyImport + "-learn",
			Conditions: &api.Conditions{NeighborSet: &api.MatchSet{
				Type: api.MatchSet_TYPE_ANY, Name: neighborsLearn,
			}},
			Actions: &api.Actions{RouteAction: api.RouteAction_ROUTE_ACTION_ACCEPT},
		})
	}
	return &api.Policy{Name: policyImport, Statements: stmts}
}

// learnSet is the neighbour set of the LearnOrigins neighbours.
func learnSet(learn []netip.Addr) *api.DefinedSet {
	list := make([]string, len(learn))
	for i, a := range learn {
		list[i] = netip.PrefixFrom(a, a.BitLen()).String()
	}
	return &api.DefinedSet{DefinedType: api.DefinedType_DEFINED_TYPE_NEIGHBOR, Name: neighborsLearn, List: list}
}

// exportPolicy lets only locally originated paths out, so that the speaker
// never becomes a transit between its routers.
func exportPolicy() *api.Policy {
	return &api.Policy{Name: policyExport, Statements: []*api.Statement{{
		Name:       policyExport + "-local",
		Conditions: &api.Conditions{RouteType: api.Conditions_ROUTE_TYPE_LOCAL},
		Actions:    &api.Actions{RouteAction: api.RouteAction_ROUTE_ACTION_ACCEPT},
	}}}
}

// route is one anycast prefix prepared for GoBGP.
type route struct {
	prefix netip.Prefix
	family bgp.Family
	nlri   *bgp.IPAddrPrefix
	comms  communities
}

// newRoute prepares an announcement; a must be valid.
func newRoute(a Announcement) (route, error) {
	comms, err := parseCommunities(a.Communities)
	if err != nil {
		return route{}, fmt.Errorf("anycast %s: communities: %w", a.Prefix, err)
	}
	p := a.Prefix.Masked()
	nlri, err := bgp.NewIPAddrPrefix(p)
	if err != nil {
		return route{}, fmt.Errorf("anycast %s: %w", a.Prefix, err)
	}
	family := bgp.RF_IPv4_UC
	if p.Addr().Is6() {
		family = bgp.RF_IPv6_UC
	}
	return route{prefix: p, family: family, nlri: nlri, comms: comms}, nil
}

// nextHopAttr is the attribute that carries r's next hop: NEXT_HOP for
// IPv4, MP_REACH_NLRI for IPv6.
func (r route) nextHopAttr(nh netip.Addr) (bgp.PathAttributeInterface, error) {
	if r.family == bgp.RF_IPv4_UC {
		return bgp.NewPathAttributeNextHop(nh)
	}
	return bgp.NewPathAttributeMpReachNLRI(r.family, []bgp.PathNLRI{{NLRI: r.nlri}}, nh)
}

// path builds the GoBGP path announcing r with asn prepended prepend times
// (0: no AS_PATH segment; GoBGP adds the local AS towards eBGP
// neighbours). A prepended (draining) path also carries GRACEFUL_SHUTDOWN.
func (r route) path(asn uint32, prepend int, nextHop4, nextHop6 netip.Addr) (*apiutil.Path, error) {
	// The unspecified address makes GoBGP substitute the session's local
	// address.
	nh := netip.IPv4Unspecified()
	if r.family == bgp.RF_IPv6_UC {
		nh = netip.IPv6Unspecified()
		if nextHop6.IsValid() {
			nh = nextHop6
		}
	} else if nextHop4.IsValid() {
		nh = nextHop4
	}
	nhAttr, err := r.nextHopAttr(nh)
	if err != nil {
		return nil, fmt.Errorf("building the path for %s: next hop %s: %w", r.prefix, nh, err)
	}
	attrs := []bgp.PathAttributeInterface{bgp.NewPathAttributeOrigin(bgp.BGP_ORIGIN_ATTR_TYPE_IGP), nhAttr}
	if prepend > 0 {
		asns := make([]uint32, prepend)
		for i := range asns {
			asns[i] = asn
		}
		attrs = append(attrs, bgp.NewPathAttributeAsPath([]bgp.AsPathParamInterface{
			bgp.NewAs4PathParam(bgp.BGP_ASPATH_ATTR_TYPE_SEQ, asns),
		}))
	}
	std := r.comms.standard
	if prepend > 0 {
		std = append(append([]uint32(nil), std...), communityGracefulShutdown)
	}
	if len(std) > 0 {
		attrs = append(attrs, bgp.NewPathAttributeCommunities(std))
	}
	if len(r.comms.large) > 0 {
		attrs = append(attrs, bgp.NewPathAttributeLargeCommunities(r.comms.large))
	}
	return &apiutil.Path{Family: r.family, Nlri: r.nlri, Attrs: attrs, Age: time.Now().Unix()}, nil
}

// withdrawal builds the GoBGP path that withdraws r.
func (r route) withdrawal() (*apiutil.Path, error) {
	nh := netip.IPv4Unspecified()
	if r.family == bgp.RF_IPv6_UC {
		nh = netip.IPv6Unspecified()
	}
	nhAttr, err := r.nextHopAttr(nh)
	if err != nil {
		return nil, fmt.Errorf("building the withdrawal of %s: %w", r.prefix, err)
	}
	return &apiutil.Path{
		Family:     r.family,
		Nlri:       r.nlri,
		Attrs:      []bgp.PathAttributeInterface{nhAttr},
		Age:        time.Now().Unix(),
		Withdrawal: true,
	}, nil
}

// prefixOf converts a GoBGP unicast NLRI to a netip.Prefix.
func prefixOf(nlri bgp.NLRI) (netip.Prefix, bool) {
	n, ok := nlri.(*bgp.IPAddrPrefix)
	if !ok || n == nil || !n.Prefix.IsValid() {
		return netip.Prefix{}, false
	}
	return n.Prefix.Masked(), true
}
