package xdp

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Test frames: Ethernet (+ optional VLAN tag) + IPv4/IPv6 + UDP + payload,
// built byte by byte so that tests control every field.

const (
	ethIPv4  = 0x0800
	ethIPv6  = 0x86dd
	ethVLAN  = 0x8100
	protoUDP = 17
)

// frame describes a test frame.
type frame struct {
	srcMAC, dstMAC [6]byte
	vlan           uint16 // VLAN id; 0 means untagged
	src, dst       netip.Addr
	proto          uint8  // IP protocol; 0 means UDP
	fragOff        uint16 // IPv4 flags+offset field; 0 means DF only
	options        []byte // IPv4 options (length a multiple of 4)
	sport, dport   uint16
	payload        []byte
	noUDPCsum      bool // IPv4 only: send a zero UDP checksum
}

// bytes encodes the frame with valid checksums.
func (f frame) bytes() []byte {
	b := append([]byte{}, f.dstMAC[:]...)
	b = append(b, f.srcMAC[:]...)
	if f.vlan != 0 {
		b = binary.BigEndian.AppendUint16(b, ethVLAN)
		b = binary.BigEndian.AppendUint16(b, f.vlan)
	}
	proto := f.proto
	if proto == 0 {
		proto = protoUDP
	}
	udp := binary.BigEndian.AppendUint16(nil, f.sport)
	udp = binary.BigEndian.AppendUint16(udp, f.dport)
	udp = binary.BigEndian.AppendUint16(udp, uint16(8+len(f.payload)))
	udp = append(udp, 0, 0)
	udp = append(udp, f.payload...)
	if f.src.Is4() {
		b = binary.BigEndian.AppendUint16(b, ethIPv4)
		l3 := len(b)
		ihl := 20 + len(f.options)
		fo := f.fragOff
		if fo == 0 {
			fo = 0x4000
		}
		b = append(b, byte(0x40|ihl/4), 0)
		b = binary.BigEndian.AppendUint16(b, uint16(ihl+len(udp)))
		b = append(b, 0x12, 0x34)
		b = binary.BigEndian.AppendUint16(b, fo)
		b = append(b, 64, proto, 0, 0)
		b = append(b, f.src.AsSlice()...)
		b = append(b, f.dst.AsSlice()...)
		b = append(b, f.options...)
		binary.BigEndian.PutUint16(b[l3+10:], ipChecksum(b[l3:l3+ihl]))
		if !f.noUDPCsum {
			binary.BigEndian.PutUint16(udp[6:], udpChecksum(f.src, f.dst, udp))
		}
		return append(b, udp...)
	}
	b = binary.BigEndian.AppendUint16(b, ethIPv6)
	b = append(b, 0x60, 0, 0, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(len(udp)))
	b = append(b, proto, 64)
	b = append(b, f.src.AsSlice()...)
	b = append(b, f.dst.AsSlice()...)
	binary.BigEndian.PutUint16(udp[6:], udpChecksum(f.src, f.dst, udp))
	return append(b, udp...)
}

// onesSum adds b as big-endian 16-bit words to a ones' complement sum.
func onesSum(sum uint32, b []byte) uint32 {
	for len(b) >= 2 {
		sum += uint32(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return sum
}

// ipChecksum computes an IPv4 header checksum (checksum field zeroed or not:
// callers zero it first when computing).
func ipChecksum(hdr []byte) uint16 {
	return ^uint16(onesSum(0, hdr))
}

// pseudoSum is the ones' complement sum of the UDP pseudo-header.
func pseudoSum(src, dst netip.Addr, udpLen int) uint32 {
	s := onesSum(0, src.AsSlice())
	s = onesSum(s, dst.AsSlice())
	return onesSum(s, []byte{0, protoUDP, byte(udpLen >> 8), byte(udpLen)})
}

// udpChecksum computes the checksum of a UDP datagram whose checksum field
// is zero, mapping 0 to 0xffff (RFC 768).
func udpChecksum(src, dst netip.Addr, udp []byte) uint16 {
	c := ^uint16(onesSum(pseudoSum(src, dst, len(udp)), udp))
	if c == 0 {
		c = 0xffff
	}
	return c
}

// parsedFrame locates the headers of a frame built by frame.bytes.
type parsedFrame struct {
	l3, l4   int // offsets of the IP and UDP headers
	src, dst netip.Addr
	udp      []byte // UDP header + payload (by the UDP length)
}

// parseFrame parses an Ethernet/IPv4/UDP frame, independently of the model.
func parseFrame(b []byte) (parsedFrame, error) {
	var p parsedFrame
	if len(b) < 14 {
		return p, fmt.Errorf("frame of %d bytes", len(b))
	}
	p.l3 = 14
	if binary.BigEndian.Uint16(b[12:]) == ethVLAN {
		p.l3 = 18
	}
	if len(b) < p.l3+20 || b[p.l3]>>4 != 4 {
		return p, fmt.Errorf("no IPv4 header")
	}
	ip := b[p.l3:]
	ihl := int(ip[0]&15) * 4
	p.l4 = p.l3 + ihl
	p.src = netip.AddrFrom4([4]byte(ip[12:16]))
	p.dst = netip.AddrFrom4([4]byte(ip[16:20]))
	if len(b) < p.l4+8 {
		return p, fmt.Errorf("no UDP header")
	}
	ulen := int(binary.BigEndian.Uint16(b[p.l4+4:]))
	if len(b) < p.l4+ulen {
		return p, fmt.Errorf("UDP length %d beyond the frame", ulen)
	}
	p.udp = b[p.l4 : p.l4+ulen]
	return p, nil
}

// checkChecksums verifies an IPv4/UDP frame's checksums from scratch.
func checkChecksums(b []byte) error {
	p, err := parseFrame(b)
	if err != nil {
		return err
	}
	if s := onesSum(0, b[p.l3:p.l4]); s != 0xffff {
		return fmt.Errorf("IPv4 header checksum invalid (sum %#04x)", s)
	}
	if binary.BigEndian.Uint16(p.udp[6:]) == 0 {
		return nil // no UDP checksum (IPv4)
	}
	if s := onesSum(pseudoSum(p.src, p.dst, len(p.udp)), p.udp); s != 0xffff {
		return fmt.Errorf("UDP checksum invalid (sum %#04x)", s)
	}
	return nil
}
