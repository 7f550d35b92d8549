package linkstate

import (
	"testing"
	"time"
)

func BenchmarkMarshal330(b *testing.B) {
	t := bigTable(7, 330)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		out, err := t.MarshalBinary()
		if err != nil {
			b.Fatal(err)
		}
		n = len(out)
	}
	b.SetBytes(int64(n))
}

func BenchmarkAppendBinary330(b *testing.B) {
	t := bigTable(7, 330)
	buf := make([]byte, 0, 8192)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = t.AppendBinary(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkUnmarshal330(b *testing.B) {
	t := bigTable(7, 330)
	in, err := t.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		var out Table
		if err := out.UnmarshalBinary(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeMessage330(b *testing.B) {
	t := bigTable(7, 330)
	in, err := appendMessage(nil, kindDirect, "pop-007", &t)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := decodeMessage(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignificant330(b *testing.B) {
	prev := bigTable(7, 330)
	next := prev.Clone()
	next.Links[329].RTT++ // worst case: scan every link
	b.ReportAllocs()
	for b.Loop() {
		if Significant(prev, next, DefaultThreshold) {
			b.Fatal("tiny change reported significant")
		}
	}
}

func BenchmarkStoreApply330(b *testing.B) {
	s := NewStore(1, time.Minute)
	t := bigTable(7, 330)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		t.Version++
		if changed, err := s.Apply(t, now); err != nil || !changed {
			b.Fatal(changed, err)
		}
	}
}

// BenchmarkSnapshot300x300 copies the whole graph of a 300-PoP overlay, as
// pathcalc does on every change.
func BenchmarkSnapshot300x300(b *testing.B) {
	s := NewStore(1, time.Minute)
	for o := range uint16(300) {
		if _, err := s.Apply(bigTable(o+1, 299), time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if len(s.Snapshot()) != 300 {
			b.Fatal("short snapshot")
		}
	}
}
