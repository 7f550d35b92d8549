package overlay

import (
	"bytes"
	"testing"
)

// FuzzParse checks that Parse never panics, that it agrees with Decide about
// which headers are well-formed, and that accepted headers survive a
// Marshal/Parse round trip.
func FuzzParse(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{Version, 0, 1, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{Version, 1, 4, 3, 0, 1, 0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 1, 2, 3})
	f.Add([]byte{Version, 2, 5, 0, 0, 1, 0, 0, 0, 2, 0, 3, 0, 4, 0, 5})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := Parse(b)
		_, _, reason := Decide(b, 0)
		if err != nil {
			pe, ok := err.(*ParseError)
			if !ok || pe.Reason != reason {
				t.Fatalf("Parse error %v (reason %v), Decide reason %v", err, pe, reason)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if reason != None && reason != WrongHop && reason != Loop {
			t.Fatalf("Parse accepted what Decide drops as %s", reason)
		}
		out := make([]byte, HeaderLen)
		if err := h.Marshal(out); err != nil {
			t.Fatalf("Marshal of a parsed header: %v", err)
		}
		h2, err := Parse(out)
		if err != nil || h2 != h {
			t.Fatalf("round trip %+v -> %+v, %v", h, h2, err)
		}
		if !bytes.Equal(out[:offHops+2*int(h.Count)], b[:offHops+2*int(h.Count)]) {
			t.Fatalf("Marshal changed used bytes: %x -> %x", b[:HeaderLen], out)
		}
	})
}

// FuzzDecide checks Decide against an independent reading of the header via
// Parse for any input and PoP id: no panic, no modification of the input,
// and verdicts consistent with the hop list.
func FuzzDecide(f *testing.F) {
	f.Add([]byte{Version, 0, 2, 0, 0, 1, 0, 0, 0, 2, 0, 3, 0, 0, 0, 0}, uint16(2))
	f.Add([]byte{Version, 0, 2, 1, 0, 1, 0, 0, 0, 2, 0, 3, 0, 0, 0, 0}, uint16(3))
	f.Add([]byte{Version, 0, 2, 0, 0, 1, 0, 0, 0, 2, 0, 2, 0, 0, 0, 0}, uint16(2))
	f.Add([]byte{0xa0, 0, 2, 0}, uint16(0))
	f.Fuzz(func(t *testing.T, b []byte, self uint16) {
		orig := bytes.Clone(b)
		v, next, reason := Decide(b, self)
		if !bytes.Equal(b, orig) {
			t.Fatal("Decide modified its input")
		}
		h, err := Parse(b)
		if err != nil {
			if v != Drop || reason == None {
				t.Fatalf("Parse rejected (%v) but Decide says %s/%s", err, v, reason)
			}
			return
		}
		switch {
		case h.Hops[h.Index] != self:
			if v != Drop || reason != WrongHop {
				t.Fatalf("got %s/%s, want drop/wrong_hop", v, reason)
			}
		case h.Index == h.Count-1:
			if v != Deliver || reason != None || next != self {
				t.Fatalf("got %s/%s/%d, want deliver", v, reason, next)
			}
		case h.Hops[h.Index+1] == self:
			if v != Drop || reason != Loop {
				t.Fatalf("got %s/%s, want drop/loop", v, reason)
			}
		default:
			if v != Relay || next != h.Hops[h.Index+1] {
				t.Fatalf("got %s/%d, want relay to %d", v, next, h.Hops[h.Index+1])
			}
			AdvanceIndex(b)
			h2, err := Parse(b)
			if err != nil || h2.Index != h.Index+1 || h2.Hops[h2.Index] != next {
				t.Fatalf("after AdvanceIndex: %+v, %v", h2, err)
			}
		}
	})
}
