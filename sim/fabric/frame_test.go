package fabric

import (
	"encoding/binary"
	"testing"
)

// testFrame builds an Ethernet/IPv4/UDP frame with payload bytes of payload.
func testFrame(src, dst uint32, payload int) []byte {
	b := make([]byte, ethHeaderLen+20+8+payload)
	binary.BigEndian.PutUint16(b[12:14], etherTypeIP)
	ip := b[ethHeaderLen:]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:4], uint16(20+8+payload))
	ip[8], ip[9] = 64, 17
	binary.BigEndian.PutUint32(ip[12:16], src)
	binary.BigEndian.PutUint32(ip[16:20], dst)
	return b
}

// arpRequest builds a who-has tpa tell spa request from sha.
func arpRequest(sha [6]byte, spa, tpa uint32) []byte {
	b := make([]byte, ethHeaderLen+arpLen)
	copy(b[0:6], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	copy(b[6:12], sha[:])
	binary.BigEndian.PutUint16(b[12:14], etherTypeARP)
	a := b[ethHeaderLen:]
	binary.BigEndian.PutUint16(a[0:2], 1)
	binary.BigEndian.PutUint16(a[2:4], etherTypeIP)
	a[4], a[5] = 6, 4
	binary.BigEndian.PutUint16(a[6:8], 1)
	copy(a[8:14], sha[:])
	binary.BigEndian.PutUint32(a[14:18], spa)
	binary.BigEndian.PutUint32(a[24:28], tpa)
	return b
}

func TestParseFrame(t *testing.T) {
	sha := [6]byte{2, 0, 0, 0, 0, 1}
	ipv6 := make([]byte, 60)
	binary.BigEndian.PutUint16(ipv6[12:14], 0x86dd)
	badVersion := testFrame(1, 2, 10)
	badVersion[ethHeaderLen] = 0x65
	badIHL := testFrame(1, 2, 10)
	badIHL[ethHeaderLen] = 0x44
	badTotal := testFrame(1, 2, 10)
	binary.BigEndian.PutUint16(badTotal[ethHeaderLen+2:], 1000)
	gratuitous := arpRequest(sha, 7, 7)
	reply := arpRequest(sha, 7, 8)
	reply[ethHeaderLen+7] = 2
	badHlen := arpRequest(sha, 7, 8)
	badHlen[ethHeaderLen+4] = 8
	cases := []struct {
		name     string
		b        []byte
		kind     frameKind
		src, dst uint32
	}{
		{"ipv4", testFrame(0xc6130001, 0xc6130002, 10), kindIPv4, 0xc6130001, 0xc6130002},
		{"ipv4 with trailer", append(testFrame(1, 2, 0), 0, 0, 0, 0), kindIPv4, 1, 2},
		{"arp request", arpRequest(sha, 7, 8), kindARPRequest, 7, 8},
		{"gratuitous arp", gratuitous, kindARPOther, 7, 7},
		{"arp reply", reply, kindARPOther, 7, 8},
		{"ipv6", ipv6, kindOther, 0, 0},
		{"empty", nil, kindMalformed, 0, 0},
		{"short ethernet", make([]byte, 13), kindMalformed, 0, 0},
		{"short ipv4", testFrame(1, 2, 0)[:30], kindMalformed, 0, 0},
		{"ipv4 version 6", badVersion, kindMalformed, 0, 0},
		{"ipv4 ihl 4", badIHL, kindMalformed, 0, 0},
		{"ipv4 total length beyond frame", badTotal, kindMalformed, 0, 0},
		{"short arp", arpRequest(sha, 7, 8)[:40], kindMalformed, 0, 0},
		{"arp hlen 8", badHlen, kindMalformed, 0, 0},
	}
	for _, c := range cases {
		fi := parseFrame(c.b)
		if fi.kind != c.kind || fi.src != c.src || fi.dst != c.dst {
			t.Errorf("%s: got kind %d src %#x dst %#x, want %d %#x %#x", c.name, fi.kind, fi.src, fi.dst, c.kind, c.src, c.dst)
		}
	}
}

func TestBuildARPReply(t *testing.T) {
	sha := [6]byte{2, 0, 0, 0, 0, 1}
	mac := [6]byte{2, 0, 0, 0, 0, 9}
	req := parseFrame(arpRequest(sha, 0xc6130001, 0xc6130002))
	out := make([]byte, 64)
	n := buildARPReply(out, req, mac)
	fi := parseFrame(out[:n])
	if fi.kind != kindARPOther || fi.src != 0xc6130002 || fi.dst != 0xc6130001 || fi.sha != mac {
		t.Fatalf("reply parses as %+v", fi)
	}
	if binary.BigEndian.Uint16(out[ethHeaderLen+6:]) != 2 || [6]byte(out[0:6]) != sha || [6]byte(out[6:12]) != mac {
		t.Fatalf("reply header % x", out[:n])
	}
}

// FuzzParseFrame: no frame makes the parser panic or read out of bounds,
// and what it calls IPv4 really has a sane header.
func FuzzParseFrame(f *testing.F) {
	f.Add(testFrame(1, 2, 10))
	f.Add(arpRequest([6]byte{2}, 1, 2))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		fi := parseFrame(b)
		if fi.kind == kindIPv4 {
			ip := b[ethHeaderLen:]
			if ip[0]>>4 != 4 || int(binary.BigEndian.Uint16(ip[2:4])) > len(ip) {
				t.Fatalf("accepted bad IPv4 header % x", ip[:20])
			}
		}
		if fi.kind == kindARPRequest {
			out := make([]byte, 64)
			if n := buildARPReply(out, fi, [6]byte{2}); parseFrame(out[:n]).kind != kindARPOther {
				t.Fatal("reply to a request does not parse as ARP")
			}
		}
	})
}
