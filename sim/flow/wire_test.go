package flow

import (
	"errors"
	"strings"
	"testing"
)

func TestHeaderRoundTrip(t *testing.T) {
	cases := []Header{
		{Kind: Overlay, Flow: 1, Seq: 0, SentNs: 1},
		{Kind: Direct | Prime, Flow: 65535, Seq: 1<<32 - 1, SentNs: -5},
		{Kind: Overlay | Prime, Flow: 7, Seq: 123456, SentNs: 1_700_000_000_000_000_000},
	}
	for _, h := range cases {
		b := make([]byte, HeaderLen+10)
		h.Put(b)
		got, err := Parse(b)
		if err != nil || got != h {
			t.Errorf("round trip of %+v = %+v, %v", h, got, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	good := make([]byte, HeaderLen)
	Header{Kind: Overlay, Flow: 1, Seq: 2, SentNs: 3}.Put(good)
	mut := func(i int, v byte) []byte {
		b := append([]byte(nil), good...)
		b[i] = v
		return b
	}
	cases := []struct {
		name   string
		b      []byte
		offset int
		msg    string
	}{
		{"empty", nil, 0, "ends after 0 bytes"},
		{"short", good[:HeaderLen-1], HeaderLen - 1, "want at least 24"},
		{"magic", mut(0, 'x'), 0, "magic"},
		{"magic end", mut(3, 'x'), 3, "magic"},
		{"version", mut(4, 2), 4, "version 2"},
		{"kind zero", mut(5, 0), 5, "kind 0x0 unknown"},
		{"kind 3", mut(5, 3), 5, "kind 0x3"},
		{"prime alone", mut(5, byte(Prime)), 5, "kind 0x80"},
		{"reserved", mut(13, 1), 12, "reserved"},
	}
	for _, c := range cases {
		_, err := Parse(c.b)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%s: error %v, want a *ParseError", c.name, err)
			continue
		}
		if pe.Offset != c.offset || !strings.Contains(pe.Error(), c.msg) {
			t.Errorf("%s: %v (offset %d), want offset %d and %q", c.name, pe, pe.Offset, c.offset, c.msg)
		}
	}
}

// FuzzParse: no input panics Parse, and what it accepts re-encodes to the
// same header bytes.
func FuzzParse(f *testing.F) {
	b := make([]byte, HeaderLen)
	Header{Kind: Overlay, Flow: 3, Seq: 9, SentNs: 42}.Put(b)
	f.Add(b)
	f.Add([]byte("asim"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := Parse(b)
		if err != nil {
			return
		}
		out := make([]byte, HeaderLen)
		h.Put(out)
		if string(out) != string(b[:HeaderLen]) {
			t.Fatalf("accepted %x, re-encoded as %x", b[:HeaderLen], out)
		}
	})
}
