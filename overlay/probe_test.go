package overlay

import (
	"errors"
	"testing"
)

func TestProbeRoundTrip(t *testing.T) {
	p := Probe{ID: 0xdeadbeef, Seq: 42, Sent: -1234567890123}
	b := make([]byte, HeaderLen+ProbeLen)
	if err := p.Marshal(b[HeaderLen:]); err != nil {
		t.Fatal(err)
	}
	got, err := ParseProbe(b[HeaderLen:])
	if err != nil || got != p {
		t.Fatalf("ParseProbe = %+v, %v; want %+v", got, err, p)
	}
	var pe *ParseError
	if _, err := ParseProbe(b[HeaderLen : HeaderLen+ProbeLen-1]); !errors.As(err, &pe) || pe.Reason != ProbeShort || pe.Byte != 31 {
		t.Fatalf("short probe: %v", err)
	}
	if err := p.Marshal(b[:ProbeLen-1]); err == nil {
		t.Fatal("Marshal into a short buffer succeeded")
	}
}

func TestReply(t *testing.T) {
	cases := []struct {
		name string
		in   Header
		want Header
	}{
		{"direct", Header{Type: TypeProbe, Count: 1, Index: 0, Src: 1, Flow: 5, Hops: [4]uint16{2}},
			Header{Type: TypeProbeReply, Count: 1, Src: 2, Flow: 5, Hops: [4]uint16{1}}},
		{"one relay", Header{Type: TypeProbe, Count: 2, Index: 1, Src: 1, Hops: [4]uint16{2, 3}},
			Header{Type: TypeProbeReply, Count: 2, Src: 3, Hops: [4]uint16{2, 1}}},
		{"three relays", Header{Type: TypeProbe, Count: 4, Index: 3, Src: 1, Hops: [4]uint16{2, 3, 4, 5}},
			Header{Type: TypeProbeReply, Count: 4, Src: 5, Hops: [4]uint16{4, 3, 2, 1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Reply(c.in)
			if err != nil || got != c.want {
				t.Fatalf("Reply = %+v, %v; want %+v", got, err, c.want)
			}
			b := make([]byte, HeaderLen+ProbeLen)
			if err := c.in.Marshal(b); err != nil {
				t.Fatal(err)
			}
			b[HeaderLen] = 0x99
			if err := ReplyInPlace(b); err != nil {
				t.Fatal(err)
			}
			h, err := Parse(b)
			if err != nil || h != c.want || b[HeaderLen] != 0x99 {
				t.Fatalf("ReplyInPlace header %+v, %v, body byte %#x", h, err, b[HeaderLen])
			}
			// The reply travels back to the prober: the first hop decides
			// relay (or deliver when direct), the last delivers to Src.
			for i := 0; i < int(h.Count); i++ {
				v, _, r := Decide(b, h.Hops[i])
				if r != None || (v == Deliver) != (i == int(h.Count)-1) {
					t.Fatalf("hop %d: %s %s", i, v, r)
				}
				if v == Relay {
					AdvanceIndex(b)
				}
			}
		})
	}
	if _, err := Reply(Header{Count: 0}); err == nil {
		t.Fatal("Reply accepted count 0")
	}
	if err := ReplyInPlace([]byte{1, 2}); err == nil {
		t.Fatal("ReplyInPlace accepted 2 bytes")
	}
}
