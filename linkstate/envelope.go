package linkstate

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Envelope kinds (first byte of every gossip payload).
const (
	kindGossip byte = 1 // user message, relayed through the broadcast queue
	kindDirect byte = 2 // user message sent directly by the origin, not relayed
	kindState  byte = 3 // push/pull state: every table the sender knows
)

const (
	// MaxNameLen bounds a PoP (memberlist node) name in bytes.
	MaxNameLen = 128
	// MaxStateTables bounds the number of tables in one push/pull state.
	MaxStateTables = 1 << 16
)

// namedTable is a table with the memberlist node name of its origin.
type namedTable struct {
	name  string
	table Table
}

// checkName accepts 1..MaxNameLen bytes of UTF-8 without control characters
// or spaces.
func checkName(name string) error {
	if name == "" || len(name) > MaxNameLen {
		return fmt.Errorf("name length %d not in [1,%d]", len(name), MaxNameLen)
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("name %q is not valid UTF-8", name)
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return fmt.Errorf("name %q contains control or space characters", name)
		}
	}
	return nil
}

// appendMessage appends a user message (kind gossip or direct) carrying t.
func appendMessage(b []byte, kind byte, name string, t *Table) ([]byte, error) {
	if err := checkName(name); err != nil {
		return b, fmt.Errorf("linkstate: %w", err)
	}
	b = append(b, kind, byte(len(name)))
	b = append(b, name...)
	return t.AppendBinary(b)
}

// decodeMessage decodes an untrusted user message.
func decodeMessage(b []byte) (kind byte, nt namedTable, err error) {
	if len(b) < 1 {
		return 0, nt, &DecodeError{Offset: 0, Field: "message kind", Msg: "missing (empty message)"}
	}
	kind = b[0]
	if kind != kindGossip && kind != kindDirect {
		return 0, nt, &DecodeError{Offset: 0, Field: "message kind", Msg: fmt.Sprintf("%d is not %d (gossip) or %d (direct)", kind, kindGossip, kindDirect)}
	}
	off := 1
	if nt.name, off, err = decodeName(b, off, top("origin name")); err != nil {
		return 0, nt, err
	}
	if err := nt.table.UnmarshalBinary(b[off:]); err != nil {
		return 0, nt, shiftError(err, off)
	}
	return kind, nt, nil
}

// appendState appends a push/pull state holding tables.
func appendState(b []byte, tables []namedTable) ([]byte, error) {
	if len(tables) > MaxStateTables {
		return b, fmt.Errorf("linkstate: %d tables exceed state limit %d", len(tables), MaxStateTables)
	}
	b = append(b, kindState)
	b = binary.AppendUvarint(b, uint64(len(tables)))
	for i := range tables {
		nt := &tables[i]
		if err := checkName(nt.name); err != nil {
			return b, fmt.Errorf("linkstate: table of origin %d: %w", nt.table.Origin, err)
		}
		b = append(b, byte(len(nt.name)))
		b = append(b, nt.name...)
		enc, err := nt.table.MarshalBinary()
		if err != nil {
			return b, err
		}
		b = binary.AppendUvarint(b, uint64(len(enc)))
		b = append(b, enc...)
	}
	return b, nil
}

// stateEntry is one decoded table of a push/pull state; err is set (and
// table zero) when that table alone is malformed.
type stateEntry struct {
	namedTable
	err error
}

// decodeState decodes an untrusted push/pull state. A broken frame fails the
// whole state; a malformed table inside a sound frame is reported in its
// entry only, so that one bad table does not block the others.
func decodeState(b []byte) ([]stateEntry, error) {
	if len(b) < 1 {
		return nil, &DecodeError{Offset: 0, Field: "state kind", Msg: "missing (empty state)"}
	}
	if b[0] != kindState {
		return nil, &DecodeError{Offset: 0, Field: "state kind", Msg: fmt.Sprintf("%d is not %d", b[0], kindState)}
	}
	d := decoder{b: b, off: 1}
	n, err := d.count(top("state table count"), MaxStateTables)
	if err != nil {
		return nil, err
	}
	// Every table takes at least 1+1+1+headerLen+2 bytes: bound the
	// allocation by the input length, not by the claimed count.
	if min := n * (3 + headerLen + 2); min > len(b)-d.off {
		return nil, d.errf(1, top("state table count"), "%d needs at least %d bytes, have %d", n, min, len(b)-d.off)
	}
	out := make([]stateEntry, n)
	for i := range out {
		f := field{list: "tables", i: i}
		if out[i].name, d.off, err = decodeName(b, d.off, f.sub("name")); err != nil {
			return nil, err
		}
		start := d.off
		l, err := d.uvarint(f.sub("length"))
		if err != nil {
			return nil, err
		}
		if l > MaxTableBytes || l > uint64(len(b)-d.off) {
			return nil, d.errf(start, f.sub("length"), "%d exceeds the %d bytes left or limit %d", l, len(b)-d.off, MaxTableBytes)
		}
		end := d.off + int(l)
		if err := out[i].table.UnmarshalBinary(b[d.off:end]); err != nil {
			out[i].err = shiftError(err, d.off)
		}
		d.off = end
	}
	if d.off != len(b) {
		return nil, d.errf(d.off, top("state"), "has %d trailing bytes", len(b)-d.off)
	}
	return out, nil
}

// decodeName reads a length-prefixed name at off and returns the offset
// after it.
func decodeName(b []byte, off int, f field) (string, int, error) {
	if off >= len(b) {
		return "", off, &DecodeError{Offset: off, Field: f.String(), Msg: "truncated: missing length"}
	}
	n := int(b[off])
	if len(b)-off-1 < n {
		return "", off, &DecodeError{Offset: off, Field: f.String(), Msg: fmt.Sprintf("length %d exceeds the %d bytes left", n, len(b)-off-1)}
	}
	name := string(b[off+1 : off+1+n])
	if err := checkName(name); err != nil {
		return "", off, &DecodeError{Offset: off, Field: f.String(), Msg: err.Error()}
	}
	return name, off + 1 + n, nil
}

// shiftError moves a table DecodeError's offset by the table's position in
// an envelope.
func shiftError(err error, by int) error {
	var de *DecodeError
	if errors.As(err, &de) {
		c := *de
		c.Offset += by
		return &c
	}
	return err
}
