package fabric

// port is one PoP attached to the fabric. Immutable once published.
type port struct {
	idx     int     // index in portTable.links
	name    string  // node name
	ifname  string  // fabric-side veth (in the fabric namespace)
	popIf   string  // PoP-side veth (in the PoP namespace)
	ns      string  // PoP namespace
	ifindex int     // of ifname, in the fabric namespace
	mac     [6]byte // of ifname: the MAC every other PoP resolves to
	peerMAC [6]byte // of popIf
	addr    uint32  // PoP underlay address
}

// portTable is the forwarder's immutable view of the fabric, replaced
// wholesale (copy on write) when a node is added.
type portTable struct {
	byIfindex map[int]*port
	byAddr    map[uint32]*port
	links     [][]*link // [from.idx][to.idx]; nil on the diagonal
}
