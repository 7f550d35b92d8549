package overlay

import "encoding/binary"

// HeaderLen is the fixed length of the overlay header in bytes.
const HeaderLen = 16

// Version is the value of byte 0 of every overlay header.
const Version = 0xA1

// MaxHops is the largest hop count a header can carry.
const MaxHops = 4

// Byte offsets of the header fields.
const (
	offVersion = 0
	offType    = 1
	offCount   = 2
	offIndex   = 3
	offSrc     = 4
	offFlow    = 6
	offHops    = 8
)

// Type is the overlay datagram type carried in byte 1.
type Type uint8

// Datagram types.
const (
	// TypeData marks a WireGuard datagram following the header.
	TypeData Type = 0
	// TypeProbe marks a path probe (a Probe body follows the header).
	TypeProbe Type = 1
	// TypeProbeReply marks the reply to a path probe (the echoed Probe body follows).
	TypeProbeReply Type = 2
)

// maxType is the largest known Type.
const maxType = TypeProbeReply

// String returns the lower-case name of the type.
func (t Type) String() string {
	switch t {
	case TypeData:
		return "data"
	case TypeProbe:
		return "probe"
	case TypeProbeReply:
		return "probe_reply"
	}
	return "unknown"
}

// Header is the decoded overlay header. Hops entries at and beyond Count are
// unused; Parse returns them as zero and Marshal writes them as zero.
type Header struct {
	Type  Type
	Count uint8 // hop entries used, 1..MaxHops
	Index uint8 // entry that should receive the datagram now, 0..Count-1
	Src   uint16
	Flow  uint16
	Hops  [MaxHops]uint16
}

// Dst returns the destination PoP id, the last used hop entry. It returns 0
// when Count is out of range.
func (h *Header) Dst() uint16 {
	if h.Count == 0 || h.Count > MaxHops {
		return 0
	}
	return h.Hops[h.Count-1]
}

// validate checks the fields Marshal and Parse constrain.
func (h *Header) validate() error {
	if h.Type > maxType {
		return &ParseError{Byte: offType, Reason: BadType, Value: int(h.Type)}
	}
	if h.Count < 1 || h.Count > MaxHops {
		return &ParseError{Byte: offCount, Reason: BadCount, Value: int(h.Count)}
	}
	if h.Index >= h.Count {
		return &ParseError{Byte: offIndex, Reason: BadIndex, Value: int(h.Index), Limit: int(h.Count) - 1}
	}
	return nil
}

// Marshal writes the header into b[:HeaderLen]. It fails, writing nothing,
// when b is shorter than HeaderLen or a field is out of range. It does not
// allocate on success.
func (h *Header) Marshal(b []byte) error {
	if len(b) < HeaderLen {
		return &ParseError{Byte: len(b), Reason: Short, Value: len(b)}
	}
	if err := h.validate(); err != nil {
		return err
	}
	b = b[:HeaderLen]
	b[offVersion] = Version
	b[offType] = byte(h.Type)
	b[offCount] = h.Count
	b[offIndex] = h.Index
	binary.BigEndian.PutUint16(b[offSrc:], h.Src)
	binary.BigEndian.PutUint16(b[offFlow:], h.Flow)
	for i := 0; i < MaxHops; i++ {
		var v uint16
		if i < int(h.Count) {
			v = h.Hops[i]
		}
		binary.BigEndian.PutUint16(b[offHops+2*i:], v)
	}
	return nil
}

// Parse decodes and validates the header at the start of b, which is
// untrusted. Errors are *ParseError values naming the byte at fault. Parse
// does not allocate on success.
func Parse(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, shortError(len(b))
	}
	if b[offVersion] != Version {
		return Header{}, &ParseError{Byte: offVersion, Reason: BadVersion, Value: int(b[offVersion])}
	}
	h := Header{
		Type:  Type(b[offType]),
		Count: b[offCount],
		Index: b[offIndex],
		Src:   binary.BigEndian.Uint16(b[offSrc:]),
		Flow:  binary.BigEndian.Uint16(b[offFlow:]),
	}
	if err := h.validate(); err != nil {
		return Header{}, err
	}
	for i := 0; i < int(h.Count); i++ {
		h.Hops[i] = binary.BigEndian.Uint16(b[offHops+2*i:])
	}
	return h, nil
}

// shortError describes a buffer of n bytes, too short for a header.
func shortError(n int) error {
	return &ParseError{Byte: n, Reason: Short, Value: n}
}

// Path returns a data header for a datagram from src along hops (the hops
// after the source, destination last), with index 0.
func Path(t Type, src, flow uint16, hops ...uint16) (Header, error) {
	h := Header{Type: t, Src: src, Flow: flow}
	if len(hops) < 1 || len(hops) > MaxHops {
		return Header{}, &ParseError{Byte: offCount, Reason: BadCount, Value: len(hops)}
	}
	h.Count = uint8(len(hops))
	copy(h.Hops[:], hops)
	return h, h.validate()
}
