package overlay

import "encoding/binary"

// ProbeLen is the length of the probe body that follows the header in
// TypeProbe and TypeProbeReply datagrams.
//
// Body layout (big-endian), echoed unchanged by the replier:
//
//	bytes 0-3    probe id    chosen by the sender (for example a path or peer number)
//	bytes 4-7    sequence    incremented by the sender per probe
//	bytes 8-15   sent        sender's clock when sending, int64 nanoseconds
//
// Trailing bytes after the body are allowed (padding for MTU probes) and are
// echoed too.
const ProbeLen = 16

// Probe is the decoded probe body.
type Probe struct {
	ID   uint32
	Seq  uint32
	Sent int64 // sender's clock, nanoseconds; meaningful only to the sender
}

// Marshal writes the probe body into b[:ProbeLen]. It fails when b is
// too short.
func (p *Probe) Marshal(b []byte) error {
	if len(b) < ProbeLen {
		return &ParseError{Byte: HeaderLen + len(b), Reason: ProbeShort, Value: HeaderLen + len(b)}
	}
	binary.BigEndian.PutUint32(b[0:], p.ID)
	binary.BigEndian.PutUint32(b[4:], p.Seq)
	binary.BigEndian.PutUint64(b[8:], uint64(p.Sent))
	return nil
}

// ParseProbe decodes a probe body: the bytes after the header. It checks
// only the length; check the header with Parse or Decide first. Error byte
// offsets count from the start of the datagram.
func ParseProbe(body []byte) (Probe, error) {
	if len(body) < ProbeLen {
		return Probe{}, &ParseError{Byte: HeaderLen + len(body), Reason: ProbeShort, Value: HeaderLen + len(body)}
	}
	return Probe{
		ID:   binary.BigEndian.Uint32(body[0:]),
		Seq:  binary.BigEndian.Uint32(body[4:]),
		Sent: int64(binary.BigEndian.Uint64(body[8:])),
	}, nil
}

// Reply returns the header of the reply to h, a probe delivered to its
// destination: type TypeProbeReply, source the destination of h, index 0,
// the flow label kept, and the reversed path back to h.Src (the relays of h
// in reverse order, then h.Src).
func Reply(h Header) (Header, error) {
	if err := h.validate(); err != nil {
		return Header{}, err
	}
	n := int(h.Count)
	r := Header{Type: TypeProbeReply, Count: h.Count, Src: h.Hops[n-1], Flow: h.Flow}
	for i := 0; i < n-1; i++ {
		r.Hops[i] = h.Hops[n-2-i]
	}
	r.Hops[n-1] = h.Src
	return r, nil
}

// ReplyInPlace turns the probe datagram b, which Decide delivered to this
// PoP, into its reply: it rewrites the header as Reply does and leaves the
// body unchanged. It does not allocate.
func ReplyInPlace(b []byte) error {
	h, err := Parse(b)
	if err != nil {
		return err
	}
	r, err := Reply(h)
	if err != nil {
		return err
	}
	return r.Marshal(b)
}
