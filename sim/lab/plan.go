package lab

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"

	"github.com/argonet/argo/sim/scenario"
)

// RunPrefix starts the name of every namespace and work directory that
// argosim creates.
const RunPrefix = "argosim-r"

// Address ranges used inside a run's namespaces.
var (
	// UnderlayNet is the fabric subnet holding every PoP's underlay address.
	UnderlayNet = netip.MustParsePrefix("198.18.128.0/20")
	// ClientNet holds the clients' subnets, one /24 each.
	ClientNet = netip.MustParsePrefix("100.96.0.0/12")
	// OverlayNet is argod's overlay range; origins must stay out of it.
	OverlayNet = netip.MustParsePrefix("100.64.0.0/10")
)

// Limits of a plan.
const (
	MaxPops    = 4094 // hosts in UnderlayNet
	MaxClients = 4096 // /24s in ClientNet
)

// Plan is the naming and addressing of one run, computed from a scenario
// before anything is created.
type Plan struct {
	ID      string // "argosim-r<pid>-<tag>": namespace prefix and fabric name
	Tag     string // 6 hex digits, unique per run: in interface names
	Dir     string // work directory
	Pops    []PopPlan
	Clients []ClientPlan
	Origins []OriginPlan
	popIdx  map[string]int
}

// PopPlan is one PoP.
type PopPlan struct {
	Name     string
	ID       uint16
	City     string
	Netns    string
	Underlay netip.Prefix // address with the fabric subnet's length
	WGIf     string       // backbone WireGuard interface (unique on the host)
	Prefixes []netip.Prefix
	Config   string // paths in the work directory
	Key      string
	Socket   string
	Log      string
}

// ClientPlan is one client namespace attached to its PoP.
type ClientPlan struct {
	Name    string
	Pop     string
	Netns   string
	PopIf   string       // veth name in the PoP namespace
	Subnet  netip.Prefix // served by the PoP
	Addr    netip.Addr   // the client's address
	Gateway netip.Addr   // the PoP's address on the veth
}

// OriginPlan is one origin namespace behind its PoP.
type OriginPlan struct {
	Name    string
	Pop     string
	Netns   string
	PopIf   string
	Prefix  netip.Prefix // the scenario's prefix, served by the PoP
	Addr    netip.Addr   // the origin host (second address of Prefix)
	Gateway netip.Addr   // the PoP's address (first address of Prefix)
}

// NewTag returns a fresh random run tag (6 hex digits).
func NewTag() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// RunID returns the run ID for tag, owned by the current process.
func RunID(tag string) string {
	return RunPrefix + strconv.Itoa(os.Getpid()) + "-" + tag
}

// NewPlan names and addresses everything scenario s needs. The work
// directory is os.TempDir()/<ID>. It fails, naming the scenario field, on
// what argosim cannot build (too many PoPs, IPv6 or overlapping origins).
func NewPlan(s *scenario.Scenario, tag string) (*Plan, error) {
	if len(tag) != 6 {
		return nil, fmt.Errorf("run tag %q: want 6 hex digits", tag)
	}
	if _, err := hex.DecodeString(tag); err != nil {
		return nil, fmt.Errorf("run tag %q: want 6 hex digits", tag)
	}
	if len(s.Pops) > MaxPops {
		return nil, fmt.Errorf("%s: pops: %d PoPs, argosim supports at most %d", s.File, len(s.Pops), MaxPops)
	}
	if len(s.Clients) > MaxClients {
		return nil, fmt.Errorf("%s: clients: %d clients, argosim supports at most %d", s.File, len(s.Clients), MaxClients)
	}
	id := RunID(tag)
	p := &Plan{ID: id, Tag: tag, Dir: filepath.Join(os.TempDir(), id), popIdx: map[string]int{}}
	for i, sp := range s.Pops {
		pp := PopPlan{
			Name:     sp.Name,
			ID:       sp.ID,
			City:     sp.City,
			Netns:    id + "-p-" + sp.Name,
			Underlay: netip.PrefixFrom(addrAdd(UnderlayNet.Addr(), uint32(i+1)), UnderlayNet.Bits()),
			WGIf:     "as" + tag + "p" + strconv.Itoa(i),
			Config:   filepath.Join(p.Dir, sp.Name+".yaml"),
			Key:      filepath.Join(p.Dir, sp.Name+".wgkey"),
			Socket:   filepath.Join(p.Dir, sp.Name+".sock"),
			Log:      filepath.Join(p.Dir, sp.Name+".log"),
		}
		p.popIdx[sp.Name] = i
		p.Pops = append(p.Pops, pp)
	}
	for i, c := range s.Clients {
		subnet := netip.PrefixFrom(addrAdd(ClientNet.Addr(), uint32(i)<<8), 24)
		cp := ClientPlan{
			Name:    c.Name,
			Pop:     c.Pop,
			Netns:   id + "-c-" + c.Name,
			PopIf:   "cl" + strconv.Itoa(i),
			Subnet:  subnet,
			Gateway: addrAdd(subnet.Addr(), 1),
			Addr:    addrAdd(subnet.Addr(), 2),
		}
		p.Clients = append(p.Clients, cp)
		pp := &p.Pops[p.popIdx[c.Pop]]
		pp.Prefixes = append(pp.Prefixes, subnet)
	}
	for i, o := range s.Origins {
		path := fmt.Sprintf("%s:%d: origins[%d].prefix", s.File, o.Line, i)
		if err := checkOriginPrefix(o.Prefix); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		op := OriginPlan{
			Name:    o.Name,
			Pop:     o.Pop,
			Netns:   id + "-o-" + o.Name,
			PopIf:   "or" + strconv.Itoa(i),
			Prefix:  o.Prefix,
			Gateway: addrAdd(o.Prefix.Addr(), 1),
			Addr:    addrAdd(o.Prefix.Addr(), 2),
		}
		p.Origins = append(p.Origins, op)
		pp := &p.Pops[p.popIdx[o.Pop]]
		pp.Prefixes = append(pp.Prefixes, o.Prefix)
	}
	return p, nil
}

// checkOriginPrefix rejects origin prefixes argosim cannot attach.
func checkOriginPrefix(pre netip.Prefix) error {
	switch {
	case !pre.Addr().Is4():
		return fmt.Errorf("%v: argosim attaches IPv4 origins only", pre)
	case pre.Bits() > 30:
		return fmt.Errorf("%v: want /30 or shorter (the PoP and the origin host need an address each)", pre)
	case pre.Overlaps(UnderlayNet):
		return fmt.Errorf("%v overlaps argosim's underlay subnet %v", pre, UnderlayNet)
	case pre.Overlaps(OverlayNet):
		return fmt.Errorf("%v overlaps the overlay range %v (clients and argod's overlay addresses live there)", pre, OverlayNet)
	}
	return nil
}

// addrAdd returns the IPv4 address a + n.
func addrAdd(a netip.Addr, n uint32) netip.Addr {
	b := a.As4()
	v := binary.BigEndian.Uint32(b[:]) + n
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}

// Pop returns the plan of PoP name.
func (p *Plan) Pop(name string) (*PopPlan, bool) {
	i, ok := p.popIdx[name]
	if !ok {
		return nil, false
	}
	return &p.Pops[i], true
}

// Client returns the plan of client name.
func (p *Plan) Client(name string) (*ClientPlan, bool) {
	for i := range p.Clients {
		if p.Clients[i].Name == name {
			return &p.Clients[i], true
		}
	}
	return nil, false
}

// Origin returns the plan of origin name.
func (p *Plan) Origin(name string) (*OriginPlan, bool) {
	for i := range p.Origins {
		if p.Origins[i].Name == name {
			return &p.Origins[i], true
		}
	}
	return nil, false
}
