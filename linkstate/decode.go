package linkstate

import (
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"
	"time"
)

// decoder reads a table from b, tracking the offset for error messages.
type decoder struct {
	b   []byte
	off int
}

// field names a field for an error message. It is formatted only when an
// error is built, so that decoding does not allocate per field.
type field struct {
	list string // "links", "prefixes", "tables"; "" for a top-level field
	i    int    // element index in list
	name string // field name (of the element, if list is set)
}

// top names a top-level field.
func top(name string) field { return field{name: name} }

func (f field) String() string {
	switch {
	case f.list == "":
		return f.name
	case f.name == "":
		return fmt.Sprintf("%s[%d]", f.list, f.i)
	}
	return fmt.Sprintf("%s[%d].%s", f.list, f.i, f.name)
}

// sub names a field of the same element.
func (f field) sub(name string) field { f.name = name; return f }

func (d *decoder) errf(off int, f field, format string, args ...any) error {
	return &DecodeError{Offset: off, Field: f.String(), Msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) table() (Table, error) {
	var t Table
	if len(d.b) > MaxTableBytes {
		return t, d.errf(0, top("table"), "length %d exceeds limit %d", len(d.b), MaxTableBytes)
	}
	if len(d.b) < headerLen {
		return t, d.errf(len(d.b), top("header"), "truncated: %d bytes, need %d", len(d.b), headerLen)
	}
	if d.b[0] != magic[0] || d.b[1] != magic[1] {
		return t, d.errf(0, top("magic"), "%#04x is not %#04x (\"LS\")", binary.BigEndian.Uint16(d.b), binary.BigEndian.Uint16(magic[:]))
	}
	if d.b[2] != formatVersion {
		return t, d.errf(2, top("format version"), "%d not supported (want %d)", d.b[2], formatVersion)
	}
	if f := d.b[3]; f&^flagDraining != 0 {
		return t, d.errf(3, top("flags"), "%#02x has reserved bits set", f)
	}
	t.Draining = d.b[3]&flagDraining != 0
	t.Origin = binary.BigEndian.Uint16(d.b[4:])
	t.Version = binary.BigEndian.Uint64(d.b[6:])
	d.off = headerLen

	n, err := d.count(top("link count"), MaxLinks)
	if err != nil {
		return Table{}, err
	}
	if n > 0 {
		t.Links = make([]Link, n)
	}
	prev := -1
	for i := range t.Links {
		if err := d.link(&t.Links[i], i, &prev, t.Origin); err != nil {
			return Table{}, err
		}
	}

	n, err = d.count(top("prefix count"), MaxPrefixes)
	if err != nil {
		return Table{}, err
	}
	if n > 0 {
		t.Prefixes = make([]netip.Prefix, n)
	}
	for i := range t.Prefixes {
		start := d.off
		p, err := d.prefix(i)
		if err != nil {
			return Table{}, err
		}
		if i > 0 && t.Prefixes[i-1].Compare(p) >= 0 {
			return Table{}, d.errf(start, field{list: "prefixes", i: i}, "%s not after %s (prefixes must be sorted and unique)", p, t.Prefixes[i-1])
		}
		t.Prefixes[i] = p
	}
	if d.off != len(d.b) {
		return Table{}, d.errf(d.off, top("table"), "has %d trailing bytes", len(d.b)-d.off)
	}
	return t, nil
}

// count reads a uvarint element count bounded by limit.
func (d *decoder) count(f field, limit int) (int, error) {
	start := d.off
	v, err := d.uvarint(f)
	if err != nil {
		return 0, err
	}
	if v > uint64(limit) {
		return 0, d.errf(start, f, "%d exceeds limit %d", v, limit)
	}
	return int(v), nil
}

// uvarint reads one minimal unsigned varint.
func (d *decoder) uvarint(f field) (uint64, error) {
	v, n := binary.Uvarint(d.b[d.off:])
	switch {
	case n == 0:
		return 0, d.errf(d.off, f, "truncated varint")
	case n < 0:
		return 0, d.errf(d.off, f, "varint overflows 64 bits")
	case n > 1 && d.b[d.off+n-1] == 0:
		return 0, d.errf(d.off, f, "non-minimal varint encoding")
	}
	d.off += n
	return v, nil
}

func (d *decoder) link(l *Link, i int, prev *int, origin uint16) error {
	name := func(n string) field { return field{list: "links", i: i, name: n} }
	if d.off >= len(d.b) {
		return d.errf(d.off, name("flags"), "truncated")
	}
	lf := d.b[d.off]
	if lf&^(linkFlagUp|linkFlagLoss) != 0 {
		return d.errf(d.off, name("flags"), "%#02x has reserved bits set", lf)
	}
	d.off++
	l.Up = lf&linkFlagUp != 0

	start := d.off
	v, err := d.uvarint(name("peer"))
	if err != nil {
		return err
	}
	if v > math.MaxUint16 {
		return d.errf(start, name("peer"), "value %d exceeds 65535", v)
	}
	if *prev >= 0 {
		if v == 0 {
			return d.errf(start, name("peer"), "delta 0 repeats peer %d (links must be sorted by peer, unique)", *prev)
		}
		v += uint64(*prev)
		if v > math.MaxUint16 {
			return d.errf(start, name("peer"), "%d (previous peer + delta) exceeds 65535", v)
		}
	}
	if uint16(v) == origin {
		return d.errf(start, name("peer"), "%d is the origin itself", v)
	}
	l.Peer = uint16(v)
	*prev = int(v)

	if l.RTT, err = d.duration(name("rtt"), MaxRTT); err != nil {
		return err
	}
	if l.Jitter, err = d.duration(name("jitter"), MaxJitter); err != nil {
		return err
	}
	if lf&linkFlagLoss == 0 {
		return nil
	}
	if len(d.b)-d.off < 8 {
		return d.errf(d.off, name("loss"), "truncated: %d bytes, need 8", len(d.b)-d.off)
	}
	loss := math.Float64frombits(binary.BigEndian.Uint64(d.b[d.off:]))
	switch {
	case math.IsNaN(loss):
		return d.errf(d.off, name("loss"), "is NaN")
	case loss == 0:
		return d.errf(d.off, name("loss"), "is zero but flagged present (non-canonical)")
	case loss < 0 || loss > 1:
		return d.errf(d.off, name("loss"), "%g not in [0,1]", loss)
	}
	l.Loss = loss
	d.off += 8
	return nil
}

func (d *decoder) duration(f field, limit time.Duration) (time.Duration, error) {
	start := d.off
	v, err := d.uvarint(f)
	if err != nil {
		return 0, err
	}
	if v > uint64(limit) {
		return 0, d.errf(start, f, "%dns exceeds limit %v", v, limit)
	}
	return time.Duration(v), nil
}

func (d *decoder) prefix(i int) (netip.Prefix, error) {
	f := field{list: "prefixes", i: i}
	if len(d.b)-d.off < 2 {
		return netip.Prefix{}, d.errf(d.off, f, "truncated: need family and length")
	}
	fam, bits := d.b[d.off], int(d.b[d.off+1])
	var max int
	switch fam {
	case 4:
		max = 32
	case 6:
		max = 128
	default:
		return netip.Prefix{}, d.errf(d.off, f.sub("family"), "%d is neither 4 nor 6", fam)
	}
	if bits > max {
		return netip.Prefix{}, d.errf(d.off+1, f.sub("length"), "%d exceeds %d for IPv%d", bits, max, fam)
	}
	d.off += 2
	n := (bits + 7) / 8
	if len(d.b)-d.off < n {
		return netip.Prefix{}, d.errf(d.off, f.sub("address"), "truncated: %d bytes, need %d", len(d.b)-d.off, n)
	}
	var a [16]byte
	copy(a[:], d.b[d.off:d.off+n])
	if n > 0 && bits%8 != 0 {
		if a[n-1]&(0xff>>(bits%8)) != 0 {
			return netip.Prefix{}, d.errf(d.off+n-1, f.sub("address"), "has bits set past length /%d (non-canonical)", bits)
		}
	}
	d.off += n
	var addr netip.Addr
	if fam == 4 {
		addr = netip.AddrFrom4([4]byte(a[:4]))
	} else {
		addr = netip.AddrFrom16(a)
		if addr.Is4In6() {
			return netip.Prefix{}, d.errf(d.off-n, f.sub("address"), "is IPv4-mapped IPv6; use family 4")
		}
	}
	return netip.PrefixFrom(addr, bits), nil
}
