package overlay

import (
	"errors"
	"testing"
)

func TestMarshalParseRoundTrip(t *testing.T) {
	cases := []Header{
		{Type: TypeData, Count: 1, Index: 0, Src: 1, Flow: 0, Hops: [4]uint16{2}},
		{Type: TypeProbe, Count: 2, Index: 1, Src: 0xffff, Flow: 0x1234, Hops: [4]uint16{3, 4}},
		{Type: TypeProbeReply, Count: 4, Index: 3, Src: 7, Flow: 0xffff, Hops: [4]uint16{1, 2, 3, 4}},
	}
	for _, h := range cases {
		var b [HeaderLen]byte
		if err := h.Marshal(b[:]); err != nil {
			t.Fatalf("Marshal(%+v): %v", h, err)
		}
		got, err := Parse(b[:])
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		if got != h {
			t.Fatalf("round trip: got %+v, want %+v", got, h)
		}
	}
}

func TestMarshalZeroesUnusedHops(t *testing.T) {
	h := Header{Count: 1, Hops: [4]uint16{5, 6, 7, 8}}
	b := make([]byte, HeaderLen)
	for i := range b {
		b[i] = 0xff
	}
	if err := h.Marshal(b); err != nil {
		t.Fatal(err)
	}
	for i := 10; i < HeaderLen; i++ {
		if b[i] != 0 {
			t.Fatalf("byte %d = %#x, want 0", i, b[i])
		}
	}
}

func TestParseErrors(t *testing.T) {
	ok := []byte{Version, 0, 2, 1, 0, 1, 0, 0, 0, 2, 0, 3, 0, 0, 0, 0}
	mod := func(i int, v byte) []byte {
		b := append([]byte(nil), ok...)
		b[i] = v
		return b
	}
	cases := []struct {
		name   string
		in     []byte
		reason DropReason
		msg    string
	}{
		{"empty", nil, Short, "overlay: byte 0: header truncated: 0 of 16 bytes"},
		{"15 bytes", ok[:15], Short, "overlay: byte 15: header truncated: 15 of 16 bytes"},
		{"version", mod(0, 0xa2), BadVersion, "overlay: byte 0: version 0xa2, want 0xa1"},
		{"type", mod(1, 3), BadType, "overlay: byte 1: type 3 unknown (want 0..2)"},
		{"count 0", mod(2, 0), BadCount, "overlay: byte 2: hop count 0 out of range 1..4"},
		{"count 5", mod(2, 5), BadCount, "overlay: byte 2: hop count 5 out of range 1..4"},
		{"index", mod(3, 2), BadIndex, "overlay: byte 3: hop index 2 out of range 0..1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.in)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error %v is not a *ParseError", err)
			}
			if pe.Reason != c.reason || err.Error() != c.msg {
				t.Fatalf("got %s %q, want %s %q", pe.Reason, err, c.reason, c.msg)
			}
		})
	}
	if _, err := Parse(ok); err != nil {
		t.Fatalf("valid header: %v", err)
	}
}

func TestMarshalRejects(t *testing.T) {
	cases := []struct {
		name string
		h    Header
		buf  int
		want DropReason
	}{
		{"short buffer", Header{Count: 1}, 15, Short},
		{"type", Header{Type: 3, Count: 1}, 16, BadType},
		{"count 0", Header{Count: 0}, 16, BadCount},
		{"count 5", Header{Count: 5}, 16, BadCount},
		{"index", Header{Count: 2, Index: 2}, 16, BadIndex},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := make([]byte, c.buf)
			err := c.h.Marshal(b)
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Reason != c.want {
				t.Fatalf("Marshal error %v, want reason %s", err, c.want)
			}
			for i, v := range b {
				if v != 0 {
					t.Fatalf("Marshal wrote byte %d despite the error", i)
				}
			}
		})
	}
}

func TestPath(t *testing.T) {
	h, err := Path(TypeData, 1, 9, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := Header{Type: TypeData, Count: 2, Src: 1, Flow: 9, Hops: [4]uint16{2, 3}}
	if h != want || h.Dst() != 3 {
		t.Fatalf("Path = %+v (dst %d), want %+v", h, h.Dst(), want)
	}
	for _, hops := range [][]uint16{nil, {1, 2, 3, 4, 5}} {
		if _, err := Path(TypeData, 1, 0, hops...); err == nil {
			t.Fatalf("Path(%v) accepted", hops)
		}
	}
}

func TestDecideDoesNotAllocate(t *testing.T) {
	b := []byte{Version, 0, 3, 1, 0, 1, 0, 0, 0, 2, 0, 3, 0, 4, 0, 0}
	allocs := testing.AllocsPerRun(100, func() {
		if v, next, _ := Decide(b, 3); v != Relay || next != 4 {
			t.Fatalf("Decide = %s %d", v, next)
		}
		if _, err := Parse(b); err != nil {
			t.Fatal(err)
		}
		h := Header{Count: 1, Hops: [4]uint16{1}}
		if err := h.Marshal(b); err != nil {
			t.Fatal(err)
		}
		b[2], b[3] = 3, 1
		b[9], b[11], b[13] = 2, 3, 4
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per run, want 0", allocs)
	}
}
