package linkstate

import (
	"bytes"
	"testing"
)

// fuzzSeeds returns valid encodings to start fuzzing from.
func fuzzSeeds(tb testing.TB) [][]byte {
	var out [][]byte
	for _, t := range []Table{sampleTable(), {}, bigTable(3, 40)} {
		b, err := t.MarshalBinary()
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// FuzzUnmarshal checks that decoding never panics and that whatever decodes
// re-encodes to the same bytes and decodes to the same table.
func FuzzUnmarshal(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var tb Table
		if err := tb.UnmarshalBinary(in); err != nil {
			return
		}
		if err := tb.Validate(); err != nil {
			t.Fatalf("decoded table does not validate: %v", err)
		}
		out, err := tb.MarshalBinary()
		if err != nil {
			t.Fatalf("re-encoding a decoded table: %v", err)
		}
		if !bytes.Equal(out, in) {
			t.Fatalf("re-encoding differs:\n in %x\nout %x", in, out)
		}
		var again Table
		if err := again.UnmarshalBinary(out); err != nil || !again.Equal(tb) {
			t.Fatalf("second decode: %v, %+v != %+v", err, again, tb)
		}
	})
}

// FuzzMessage checks the gossip message envelope the same way.
func FuzzMessage(f *testing.F) {
	for i, s := range fuzzSeeds(f) {
		kind := []byte{kindGossip, kindDirect}[i%2]
		f.Add(append([]byte{kind, 3, 'a', 'm', 's'}, s...))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		kind, nt, err := decodeMessage(in)
		if err != nil {
			return
		}
		out, err := appendMessage(nil, kind, nt.name, &nt.table)
		if err != nil {
			t.Fatalf("re-encoding a decoded message: %v", err)
		}
		if !bytes.Equal(out, in) {
			t.Fatalf("re-encoding differs:\n in %x\nout %x", in, out)
		}
	})
}

// FuzzState checks the push/pull state envelope: a decoded state whose
// tables all decode re-encodes to the same bytes.
func FuzzState(f *testing.F) {
	var tables []namedTable
	for i, s := range fuzzSeeds(f) {
		var t Table
		if err := t.UnmarshalBinary(s); err != nil {
			f.Fatal(err)
		}
		tables = append(tables, namedTable{name: []string{"ams", "fra", "sin"}[i], table: t})
	}
	for n := range len(tables) + 1 {
		b, err := appendState(nil, tables[:n])
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		entries, err := decodeState(in)
		if err != nil {
			return
		}
		named := make([]namedTable, 0, len(entries))
		for _, e := range entries {
			if e.err != nil {
				return
			}
			named = append(named, e.namedTable)
		}
		out, err := appendState(nil, named)
		if err != nil {
			t.Fatalf("re-encoding a decoded state: %v", err)
		}
		if !bytes.Equal(out, in) {
			t.Fatalf("re-encoding differs:\n in %x\nout %x", in, out)
		}
	})
}
