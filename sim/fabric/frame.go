package fabric

import "encoding/binary"

// frameKind classifies a frame received from a PoP.
type frameKind uint8

const (
	kindOther      frameKind = iota // not IPv4 or ARP (IPv6, LLDP, ...): dropped
	kindIPv4                        // forwarded through the emulated link
	kindARPRequest                  // answered by the fabric
	kindARPOther                    // ARP that needs no answer (replies, gratuitous)
	kindMalformed                   // IPv4 or ARP with a bad header: dropped
)

const (
	ethHeaderLen = 14
	etherTypeIP  = 0x0800
	etherTypeARP = 0x0806
	arpLen       = 28
)

// frameInfo is what the forwarder needs from a frame's headers.
type frameInfo struct {
	kind     frameKind
	src, dst uint32  // IPv4 addresses (kindIPv4), or ARP sender/target (kindARP*)
	sha      [6]byte // ARP sender hardware address
}

// parseFrame classifies an Ethernet frame. It never panics and reads only
// within b.
func parseFrame(b []byte) frameInfo {
	if len(b) < ethHeaderLen {
		return frameInfo{kind: kindMalformed}
	}
	switch binary.BigEndian.Uint16(b[12:14]) {
	case etherTypeIP:
		return parseIPv4(b[ethHeaderLen:])
	case etherTypeARP:
		return parseARP(b[ethHeaderLen:])
	}
	return frameInfo{kind: kindOther}
}

func parseIPv4(ip []byte) frameInfo {
	if len(ip) < 20 || ip[0]>>4 != 4 || ip[0]&0x0f < 5 {
		return frameInfo{kind: kindMalformed}
	}
	total := int(binary.BigEndian.Uint16(ip[2:4]))
	if total < int(ip[0]&0x0f)*4 || total > len(ip) {
		return frameInfo{kind: kindMalformed}
	}
	return frameInfo{
		kind: kindIPv4,
		src:  binary.BigEndian.Uint32(ip[12:16]),
		dst:  binary.BigEndian.Uint32(ip[16:20]),
	}
}

func parseARP(a []byte) frameInfo {
	if len(a) < arpLen ||
		binary.BigEndian.Uint16(a[0:2]) != 1 || // Ethernet
		binary.BigEndian.Uint16(a[2:4]) != etherTypeIP ||
		a[4] != 6 || a[5] != 4 {
		return frameInfo{kind: kindMalformed}
	}
	fi := frameInfo{
		kind: kindARPOther,
		src:  binary.BigEndian.Uint32(a[14:18]),
		dst:  binary.BigEndian.Uint32(a[24:28]),
	}
	copy(fi.sha[:], a[8:14])
	if binary.BigEndian.Uint16(a[6:8]) == 1 && fi.src != fi.dst {
		fi.kind = kindARPRequest
	}
	return fi
}

// buildARPReply writes into out (at least 42 bytes) the reply that tells the
// requester that req.dst is at mac, and returns its length.
func buildARPReply(out []byte, req frameInfo, mac [6]byte) int {
	copy(out[0:6], req.sha[:])
	copy(out[6:12], mac[:])
	binary.BigEndian.PutUint16(out[12:14], etherTypeARP)
	a := out[ethHeaderLen:]
	binary.BigEndian.PutUint16(a[0:2], 1)
	binary.BigEndian.PutUint16(a[2:4], etherTypeIP)
	a[4], a[5] = 6, 4
	binary.BigEndian.PutUint16(a[6:8], 2)
	copy(a[8:14], mac[:])
	binary.BigEndian.PutUint32(a[14:18], req.dst)
	copy(a[18:24], req.sha[:])
	binary.BigEndian.PutUint32(a[24:28], req.src)
	return ethHeaderLen + arpLen
}
