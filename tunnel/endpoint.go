package tunnel

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
	"golang.zx2c4.com/wireguard/conn"
)

// endpointPrefix starts the WireGuard endpoint string of a PoP ("pop:7").
const endpointPrefix = "pop:"

// pop is a known PoP: its id, its underlay address and the precomputed
// socket address the data path sends to. Immutable after construction.
type pop struct {
	id       uint16
	name     string
	underlay netip.AddrPort
	sa4      unix.RawSockaddrInet4
	sa6      unix.RawSockaddrInet6 // v4-mapped for IPv4 PoPs
	ep       *Endpoint
	slot     int // index into routing tables
}

// sockaddr returns the socket address for a socket of family v6 or v4.
func (p *pop) sockaddr(v6 bool) (*byte, uint32) {
	if v6 {
		return (*byte)(unsafe.Pointer(&p.sa6)), unix.SizeofSockaddrInet6
	}
	return (*byte)(unsafe.Pointer(&p.sa4)), unix.SizeofSockaddrInet4
}

func newPop(id uint16, name string, underlay netip.AddrPort, slot int) *pop {
	p := &pop{id: id, name: name, underlay: underlay, slot: slot}
	port := underlay.Port()
	a := underlay.Addr()
	p.sa6.Family = unix.AF_INET6
	p.sa6.Port = htons(port)
	p.sa6.Addr = a.As16() // As16 maps IPv4 addresses
	if a.Is4() {
		p.sa4.Family = unix.AF_INET
		p.sa4.Port = htons(port)
		p.sa4.Addr = a.As4()
	}
	p.ep = &Endpoint{pop: p, dstBytes: []byte{byte(id >> 8), byte(id)}}
	return p
}

// htons converts a port to the network byte order the raw sockaddr wants.
func htons(v uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&v))
	b[0], b[1] = byte(v>>8), byte(v)
	return v
}

// popSet is the immutable set of known PoPs, by id and by underlay address.
type popSet struct {
	byID   map[uint16]*pop
	byAddr map[netip.Addr]*pop
	list   []*pop // by slot
}

func newPopSet(peers []Peer) *popSet {
	s := &popSet{byID: map[uint16]*pop{}, byAddr: map[netip.Addr]*pop{}}
	for i, p := range peers {
		q := newPop(p.ID, p.Name, p.Underlay, i)
		s.byID[p.ID] = q
		s.byAddr[p.Underlay.Addr().Unmap()] = q
		s.list = append(s.list, q)
	}
	return s
}

// Endpoint is the WireGuard endpoint of a peer PoP. It names the PoP, not
// an underlay address: the Bind chooses the path (and so the first hop's
// address) on every send, so path changes never touch WireGuard. Its string
// form is "pop:<id>".
type Endpoint struct {
	pop      *pop
	dstBytes []byte
}

var _ conn.Endpoint = (*Endpoint)(nil)

// PoP returns the id of the PoP the endpoint names.
func (e *Endpoint) PoP() uint16 { return e.pop.id }

// ClearSrc implements conn.Endpoint; the Bind keeps no sticky source.
func (e *Endpoint) ClearSrc() {}

// SrcToString implements conn.Endpoint.
func (e *Endpoint) SrcToString() string { return "" }

// DstToString implements conn.Endpoint: "pop:<id>".
func (e *Endpoint) DstToString() string { return endpointPrefix + strconv.Itoa(int(e.pop.id)) }

// DstToBytes implements conn.Endpoint (used for WireGuard cookie MACs): the
// PoP id, big-endian.
func (e *Endpoint) DstToBytes() []byte { return e.dstBytes }

// DstIP implements conn.Endpoint: the PoP's underlay address.
func (e *Endpoint) DstIP() netip.Addr { return e.pop.underlay.Addr() }

// SrcIP implements conn.Endpoint.
func (e *Endpoint) SrcIP() netip.Addr { return netip.Addr{} }

// parseEndpoint resolves "pop:<id>" against the known PoPs.
func (s *popSet) parseEndpoint(str string) (*Endpoint, error) {
	rest, ok := strings.CutPrefix(str, endpointPrefix)
	if !ok {
		return nil, fmt.Errorf("tunnel: endpoint %q: want %s<pop id>", str, endpointPrefix)
	}
	id, err := strconv.ParseUint(rest, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("tunnel: endpoint %q: pop id: %w", str, err)
	}
	p := s.byID[uint16(id)]
	if p == nil {
		return nil, fmt.Errorf("tunnel: endpoint %q: pop %d is not a configured peer", str, id)
	}
	return p.ep, nil
}
