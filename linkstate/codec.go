package linkstate

import (
	"encoding/binary"
	"fmt"
	"math"
)

const (
	formatVersion = 1
	headerLen     = 14

	flagDraining = 1 << 0

	linkFlagUp   = 1 << 0
	linkFlagLoss = 1 << 1
)

var magic = [2]byte{'L', 'S'}

// DecodeError is returned by UnmarshalBinary and the envelope decoders. It
// names the byte offset and the field at fault.
type DecodeError struct {
	Offset int    // byte offset of the field at fault
	Field  string // e.g. "link count", "links[3].loss"
	Msg    string // what is wrong with it
}

// Error formats the error as "linkstate: byte 14: link count 70000 exceeds limit 4096".
func (e *DecodeError) Error() string {
	return fmt.Sprintf("linkstate: byte %d: %s %s", e.Offset, e.Field, e.Msg)
}

// MarshalBinary encodes t in the format documented in the package comment.
// It fails if t is not valid.
func (t *Table) MarshalBinary() ([]byte, error) {
	return t.AppendBinary(make([]byte, 0, t.encodedSizeHint()))
}

// AppendBinary appends the encoding of t to b (see MarshalBinary).
func (t *Table) AppendBinary(b []byte) ([]byte, error) {
	if err := t.Validate(); err != nil {
		return b, err
	}
	var flags byte
	if t.Draining {
		flags |= flagDraining
	}
	b = append(b, magic[0], magic[1], formatVersion, flags)
	b = binary.BigEndian.AppendUint16(b, t.Origin)
	b = binary.BigEndian.AppendUint64(b, t.Version)
	b = binary.AppendUvarint(b, uint64(len(t.Links)))
	prev := uint16(0)
	for i, l := range t.Links {
		lf := byte(0)
		if l.Up {
			lf |= linkFlagUp
		}
		if l.Loss != 0 {
			lf |= linkFlagLoss
		}
		b = append(b, lf)
		peer := l.Peer
		if i > 0 {
			peer -= prev
		}
		prev = l.Peer
		b = binary.AppendUvarint(b, uint64(peer))
		b = binary.AppendUvarint(b, uint64(l.RTT))
		b = binary.AppendUvarint(b, uint64(l.Jitter))
		if l.Loss != 0 {
			b = binary.BigEndian.AppendUint64(b, math.Float64bits(l.Loss))
		}
	}
	b = binary.AppendUvarint(b, uint64(len(t.Prefixes)))
	for _, p := range t.Prefixes {
		fam := byte(6)
		if p.Addr().Is4() {
			fam = 4
		}
		bits := p.Bits()
		b = append(b, fam, byte(bits))
		a := p.Addr().AsSlice()
		b = append(b, a[:(bits+7)/8]...)
	}
	return b, nil
}

// encodedSizeHint is an upper bound of the encoded size of a valid t.
func (t *Table) encodedSizeHint() int {
	return headerLen + 2*binary.MaxVarintLen16 + len(t.Links)*24 + len(t.Prefixes)*18
}

// UnmarshalBinary decodes b, an untrusted encoding produced by MarshalBinary.
// On error t is left unchanged and the error (a *DecodeError) names the byte
// offset and field at fault.
func (t *Table) UnmarshalBinary(b []byte) error {
	d := decoder{b: b}
	nt, err := d.table()
	if err != nil {
		return err
	}
	*t = nt
	return nil
}
