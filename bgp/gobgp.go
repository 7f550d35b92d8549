package bgp

import (
	"fmt"
	"net/netip"
	"time"

	api "github.com/osrg/gobgp/v3/api"
	"github.com/osrg/gobgp/v3/pkg/apiutil"
	"github.com/osrg/gobgp/v3/pkg/packet/bgp"
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
		Actions:    &api.Actions{RouteAction: api.RouteAction_ACCEPT},
	}}
	// An empty neighbour set would match every neighbour: only add the
	// statement when there is someone to learn from.
	if len(learn) > 0 {
		stmts = append(stmts, &api.Statement{
			Name: policyImport + "-learn",
			Conditions: &api.Conditions{NeighborSet: &api.MatchSet{
				Type: api.MatchSet_ANY, Name: neighborsLearn,
			}},
			Actions: &api.Actions{RouteAction: api.RouteAction_ACCEPT},
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
	return &api.DefinedSet{DefinedType: api.DefinedType_NEIGHBOR, Name: neighborsLearn, List: list}
}

// exportPolicy lets only locally originated paths out, so that the speaker
// never becomes a transit between its routers.
func exportPolicy() *api.Policy {
	return &api.Policy{Name: policyExport, Statements: []*api.Statement{{
		Name:       policyExport + "-local",
		Conditions: &api.Conditions{RouteType: api.Conditions_ROUTE_TYPE_LOCAL},
		Actions:    &api.Actions{RouteAction: api.RouteAction_ACCEPT},
	}}}
}

// route is one anycast prefix prepared for GoBGP.
type route struct {
	prefix netip.Prefix
	nlri   bgp.AddrPrefixInterface
	comms  communities
}

// newRoute prepares an announcement; a must be valid.
func newRoute(a Announcement) (route, error) {
	comms, err := parseCommunities(a.Communities)
	if err != nil {
		return route{}, fmt.Errorf("anycast %s: communities: %w", a.Prefix, err)
	}
	p := a.Prefix.Masked()
	var nlri bgp.AddrPrefixInterface
	if p.Addr().Is4() {
		nlri = bgp.NewIPAddrPrefix(uint8(p.Bits()), p.Addr().String())
	} else {
		nlri = bgp.NewIPv6AddrPrefix(uint8(p.Bits()), p.Addr().String())
	}
	return route{prefix: p, nlri: nlri, comms: comms}, nil
}

// path builds the GoBGP path announcing r with asn prepended prepend times
// (0: no AS_PATH segment; GoBGP adds the local AS towards eBGP
// neighbours). A prepended (draining) path also carries GRACEFUL_SHUTDOWN.
func (r route) path(asn uint32, prepend int, nextHop4, nextHop6 netip.Addr) (*api.Path, error) {
	attrs := []bgp.PathAttributeInterface{bgp.NewPathAttributeOrigin(bgp.BGP_ORIGIN_ATTR_TYPE_IGP)}
	if r.prefix.Addr().Is4() {
		nh := "0.0.0.0" // GoBGP substitutes the session's local address
		if nextHop4.IsValid() {
			nh = nextHop4.String()
		}
		attrs = append(attrs, bgp.NewPathAttributeNextHop(nh))
	} else {
		nh := "::"
		if nextHop6.IsValid() {
			nh = nextHop6.String()
		}
		attrs = append(attrs, bgp.NewPathAttributeMpReachNLRI(nh, []bgp.AddrPrefixInterface{r.nlri}))
	}
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
	p, err := apiutil.NewPath(r.nlri, false, attrs, time.Now())
	if err != nil {
		return nil, fmt.Errorf("building the path for %s: %w", r.prefix, err)
	}
	return p, nil
}

// withdrawal builds the GoBGP path that withdraws r.
func (r route) withdrawal() (*api.Path, error) {
	attrs := []bgp.PathAttributeInterface{bgp.NewPathAttributeNextHop("0.0.0.0")}
	if r.prefix.Addr().Is6() {
		attrs = []bgp.PathAttributeInterface{bgp.NewPathAttributeMpReachNLRI("::", []bgp.AddrPrefixInterface{r.nlri})}
	}
	p, err := apiutil.NewPath(r.nlri, true, attrs, time.Now())
	if err != nil {
		return nil, fmt.Errorf("building the withdrawal of %s: %w", r.prefix, err)
	}
	return p, nil
}

// prefixOf converts a GoBGP unicast NLRI to a netip.Prefix.
func prefixOf(p *api.Path) (netip.Prefix, bool) {
	nlri, err := apiutil.GetNativeNlri(p)
	if err != nil {
		return netip.Prefix{}, false
	}
	var addr netip.Addr
	var bits int
	switch n := nlri.(type) {
	case *bgp.IPAddrPrefix:
		addr, _ = netip.AddrFromSlice(n.Prefix.To4())
		bits = int(n.Length)
	case *bgp.IPv6AddrPrefix:
		addr, _ = netip.AddrFromSlice(n.Prefix.To16())
		bits = int(n.Length)
	default:
		return netip.Prefix{}, false
	}
	pfx, err := addr.Prefix(bits)
	return pfx, err == nil && addr.IsValid()
}
