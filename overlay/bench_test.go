package overlay

import "testing"

var benchPacket = []byte{Version, 0, 3, 1, 0, 1, 0, 0, 0, 2, 0, 3, 0, 4, 0, 0, 0xde, 0xad}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(benchPacket); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecide(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if v, _, _ := Decide(benchPacket, 3); v != Relay {
			b.Fatal(v)
		}
	}
}

func BenchmarkMarshal(b *testing.B) {
	b.ReportAllocs()
	h := Header{Type: TypeData, Count: 3, Src: 1, Hops: [4]uint16{2, 3, 4}}
	buf := make([]byte, HeaderLen)
	for b.Loop() {
		if err := h.Marshal(buf); err != nil {
			b.Fatal(err)
		}
	}
}
