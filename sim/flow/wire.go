package flow

import (
	"encoding/binary"
	"fmt"
)

// Wire format of a probe packet (UDP payload, big-endian), padded with
// zeros to the flow's size:
//
//	bytes 0-3    magic "asim"
//	byte  4      version 1
//	byte  5      kind (Overlay, Direct; | Prime for warm-up packets)
//	bytes 6-7    flow id
//	bytes 8-11   sequence number
//	bytes 12-15  zero
//	bytes 16-23  send time, Unix nanoseconds
const (
	HeaderLen = 24
	version   = 1
)

var magic = [4]byte{'a', 's', 'i', 'm'}

// Kind says which path a probe measures.
type Kind uint8

// Probe kinds.
const (
	Overlay Kind = 1 // client to origin through the overlay
	Direct  Kind = 2 // PoP to PoP over the emulated Internet, no overlay
	// Prime marks warm-up packets (ARP, WireGuard handshakes): they are
	// echoed but not recorded.
	Prime Kind = 0x80
)

// Header is the decoded head of a probe packet.
type Header struct {
	Kind   Kind
	Flow   uint16
	Seq    uint32
	SentNs int64
}

// Put writes h into the first HeaderLen bytes of b.
func (h Header) Put(b []byte) {
	_ = b[HeaderLen-1]
	copy(b[0:4], magic[:])
	b[4] = version
	b[5] = byte(h.Kind)
	binary.BigEndian.PutUint16(b[6:8], h.Flow)
	binary.BigEndian.PutUint32(b[8:12], h.Seq)
	binary.BigEndian.PutUint32(b[12:16], 0)
	binary.BigEndian.PutUint64(b[16:24], uint64(h.SentNs))
}

// ParseError names the byte at fault in a rejected probe packet.
type ParseError struct {
	Offset int
	Msg    string
}

func (e *ParseError) Error() string { return fmt.Sprintf("probe packet byte %d: %s", e.Offset, e.Msg) }

// Parse decodes the head of a probe packet. It never panics; a packet that
// is short, carries another magic or version, or an unknown kind is a
// *ParseError naming the first bad byte.
func Parse(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, &ParseError{Offset: len(b), Msg: fmt.Sprintf("packet ends after %d bytes, want at least %d", len(b), HeaderLen)}
	}
	for i := range magic {
		if b[i] != magic[i] {
			return Header{}, &ParseError{Offset: i, Msg: fmt.Sprintf("magic %q, want %q", b[0:4], magic[:])}
		}
	}
	if b[4] != version {
		return Header{}, &ParseError{Offset: 4, Msg: fmt.Sprintf("version %d, want %d", b[4], version)}
	}
	k := Kind(b[5])
	if base := k &^ Prime; base != Overlay && base != Direct {
		return Header{}, &ParseError{Offset: 5, Msg: fmt.Sprintf("kind %#x unknown", b[5])}
	}
	if z := binary.BigEndian.Uint32(b[12:16]); z != 0 {
		return Header{}, &ParseError{Offset: 12, Msg: fmt.Sprintf("reserved bytes 12-15 are %#x, want 0", z)}
	}
	return Header{
		Kind:   k,
		Flow:   binary.BigEndian.Uint16(b[6:8]),
		Seq:    binary.BigEndian.Uint32(b[8:12]),
		SentNs: int64(binary.BigEndian.Uint64(b[16:24])),
	}, nil
}
