package linkstate

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"net/netip"
	"strings"
	"testing"
)

func TestCodecRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		t    Table
	}{
		{"sample", sampleTable()},
		{"empty", Table{}},
		{"max origin", Table{Origin: 65535, Version: math.MaxUint64, Links: []Link{{Peer: 0, Up: true}}}},
		{"330 links", bigTable(42, 330)},
		{"4096 links", bigTable(1, MaxLinks)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.t.MarshalBinary()
			if err != nil {
				t.Fatalf("MarshalBinary: %v", err)
			}
			if len(b) > MaxTableBytes {
				t.Fatalf("encoding is %d bytes, above MaxTableBytes", len(b))
			}
			var got Table
			if err := got.UnmarshalBinary(b); err != nil {
				t.Fatalf("UnmarshalBinary: %v", err)
			}
			if !got.Equal(tc.t) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, tc.t)
			}
			again, err := got.MarshalBinary()
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("re-encoding differs (err %v)", err)
			}
		})
	}
}

func TestMarshalRejectsInvalid(t *testing.T) {
	tb := sampleTable()
	tb.Links[0].Loss = math.NaN()
	if _, err := tb.MarshalBinary(); err == nil || !strings.Contains(err.Error(), "links[0]: loss is NaN") {
		t.Fatalf("MarshalBinary of invalid table: %v", err)
	}
}

// hdr builds a format-1 header.
func hdr(flags byte, origin uint16, version uint64) []byte {
	b := []byte{'L', 'S', 1, flags}
	b = binary.BigEndian.AppendUint16(b, origin)
	return binary.BigEndian.AppendUint64(b, version)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func uv(v uint64) []byte { return binary.AppendUvarint(nil, v) }

func f64(f float64) []byte { return binary.BigEndian.AppendUint64(nil, math.Float64bits(f)) }

func TestUnmarshalMalformed(t *testing.T) {
	h := hdr(0, 7, 1)
	link := func(flags byte, peer, rtt, jitter uint64) []byte {
		return cat([]byte{flags}, uv(peer), uv(rtt), uv(jitter))
	}
	ok1 := link(1, 1, 1000, 10) // 15: flags, 16: peer, 17-18: rtt, 19: jitter
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "byte 0: header truncated: 0 bytes, need 14"},
		{"short header", h[:9], "byte 9: header truncated: 9 bytes, need 14"},
		{"bad magic", cat([]byte("XX"), h[2:]), "byte 0: magic 0x5858 is not 0x4c53"},
		{"format version", cat(h[:2], []byte{2}, h[3:]), "byte 2: format version 2 not supported (want 1)"},
		{"reserved flags", hdr(0x82, 7, 1), "byte 3: flags 0x82 has reserved bits set"},
		{"no link count", h, "byte 14: link count truncated varint"},
		{"link count limit", cat(h, uv(70000)), "byte 14: link count 70000 exceeds limit 4096"},
		{"non-minimal varint", cat(h, []byte{0x80, 0x00}), "byte 14: link count non-minimal varint encoding"},
		{"varint overflow", cat(h, bytes.Repeat([]byte{0xff}, 11)), "byte 14: link count varint overflows 64 bits"},
		{"missing link", cat(h, uv(1)), "byte 15: links[0].flags truncated"},
		{"link reserved flags", cat(h, uv(1), link(0x05, 1, 0, 0), uv(0)), "byte 15: links[0].flags 0x05 has reserved bits set"},
		{"link truncated", cat(h, uv(1), []byte{1}), "byte 16: links[0].peer truncated varint"},
		{"peer is origin", cat(h, uv(1), link(1, 7, 0, 0), uv(0)), "byte 16: links[0].peer 7 is the origin itself"},
		{"peer too big", cat(h, uv(1), link(1, 70000, 0, 0), uv(0)), "byte 16: links[0].peer value 70000 exceeds 65535"},
		{"peer delta zero", cat(h, uv(2), ok1, link(1, 0, 0, 0), uv(0)), "byte 21: links[1].peer delta 0 repeats peer 1"},
		{"peer sum overflow", cat(h, uv(2), link(1, 65535, 0, 0), link(1, 1, 0, 0), uv(0)), "byte 22: links[1].peer 65536 (previous peer + delta) exceeds 65535"},
		{"rtt limit", cat(h, uv(1), link(1, 1, uint64(MaxRTT)+1, 0), uv(0)), "byte 17: links[0].rtt 60000000001ns exceeds limit 1m0s"},
		{"jitter limit", cat(h, uv(1), link(1, 1, 5, uint64(MaxJitter)+1), uv(0)), "byte 18: links[0].jitter 60000000001ns exceeds limit 1m0s"},
		{"loss truncated", cat(h, uv(1), link(3, 1, 1000, 10), []byte{0, 0, 0}), "byte 20: links[0].loss truncated: 3 bytes, need 8"},
		{"loss NaN", cat(h, uv(1), link(3, 1, 1000, 10), f64(math.NaN()), uv(0)), "byte 20: links[0].loss is NaN"},
		{"loss zero flagged", cat(h, uv(1), link(3, 1, 1000, 10), f64(0), uv(0)), "byte 20: links[0].loss is zero but flagged present"},
		{"loss negative zero", cat(h, uv(1), link(3, 1, 1000, 10), f64(math.Copysign(0, -1)), uv(0)), "byte 20: links[0].loss is zero but flagged present"},
		{"loss above one", cat(h, uv(1), link(3, 1, 1000, 10), f64(1.5), uv(0)), "byte 20: links[0].loss 1.5 not in [0,1]"},
		{"loss negative", cat(h, uv(1), link(3, 1, 1000, 10), f64(-0.25), uv(0)), "byte 20: links[0].loss -0.25 not in [0,1]"},
		{"loss infinite", cat(h, uv(1), link(3, 1, 1000, 10), f64(math.Inf(1)), uv(0)), "byte 20: links[0].loss +Inf not in [0,1]"},
		{"no prefix count", cat(h, uv(1), ok1), "byte 20: prefix count truncated varint"},
		{"prefix count limit", cat(h, uv(0), uv(2000)), "byte 15: prefix count 2000 exceeds limit 1024"},
		{"prefix truncated", cat(h, uv(0), uv(1), []byte{4}), "byte 16: prefixes[0] truncated: need family and length"},
		{"prefix family", cat(h, uv(0), uv(1), []byte{5, 8, 10}), "byte 16: prefixes[0].family 5 is neither 4 nor 6"},
		{"prefix length v4", cat(h, uv(0), uv(1), []byte{4, 33, 1, 2, 3, 4, 5}), "byte 17: prefixes[0].length 33 exceeds 32 for IPv4"},
		{"prefix length v6", cat(h, uv(0), uv(1), []byte{6, 129}), "byte 17: prefixes[0].length 129 exceeds 128 for IPv6"},
		{"prefix address truncated", cat(h, uv(0), uv(1), []byte{4, 24, 192, 0}), "byte 18: prefixes[0].address truncated: 2 bytes, need 3"},
		{"prefix host bits", cat(h, uv(0), uv(1), []byte{4, 23, 192, 0, 3}), "byte 20: prefixes[0].address has bits set past length /23"},
		{"prefix 4in6", cat(h, uv(0), uv(1), []byte{6, 128}, []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1}), "byte 18: prefixes[0].address is IPv4-mapped IPv6"},
		{"prefixes unsorted", cat(h, uv(0), uv(2), []byte{4, 24, 198, 51, 100}, []byte{4, 24, 192, 0, 2}), "byte 21: prefixes[1] 192.0.2.0/24 not after 198.51.100.0/24"},
		{"prefixes duplicate", cat(h, uv(0), uv(2), []byte{4, 24, 198, 51, 100}, []byte{4, 24, 198, 51, 100}), "byte 21: prefixes[1] 198.51.100.0/24 not after 198.51.100.0/24"},
		{"trailing bytes", cat(h, uv(0), uv(0), []byte{0}), "byte 16: table has 1 trailing bytes"},
		{"too long", make([]byte, MaxTableBytes+1), "byte 0: table length 131073 exceeds limit 131072"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			orig := sampleTable()
			got := orig.Clone()
			err := got.UnmarshalBinary(tc.in)
			if err == nil {
				t.Fatalf("UnmarshalBinary succeeded: %+v", got)
			}
			if want := "linkstate: " + tc.want; !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("error\n got %q\nwant %q...", err, want)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error is %T, want *DecodeError", err)
			}
			if !got.Equal(orig) {
				t.Fatal("failed UnmarshalBinary changed the table")
			}
		})
	}
}

func TestUnmarshalValidHandcrafted(t *testing.T) {
	// The handcrafted form of a small table, pinning the documented format.
	in := cat(hdr(1, 7, 9), uv(2),
		[]byte{1}, uv(1), uv(1000), uv(10),
		[]byte{2}, uv(299), uv(5000), uv(0), f64(0.5),
		uv(2), []byte{4, 24, 192, 0, 2}, []byte{6, 0})
	var got Table
	if err := got.UnmarshalBinary(in); err != nil {
		t.Fatal(err)
	}
	want := Table{Origin: 7, Version: 9, Draining: true,
		Links:    []Link{{Peer: 1, RTT: 1000, Jitter: 10, Up: true}, {Peer: 300, RTT: 5000, Loss: 0.5}},
		Prefixes: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("::/0")}}
	if !got.Equal(want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	out, err := want.MarshalBinary()
	if err != nil || !bytes.Equal(out, in) {
		t.Fatalf("MarshalBinary = %x, %v\nwant %x", out, err, in)
	}
}
