package linkstate

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

func TestMessageRoundTrip(t *testing.T) {
	tb := sampleTable()
	for _, kind := range []byte{kindGossip, kindDirect} {
		b, err := appendMessage(nil, kind, "ams-1", &tb)
		if err != nil {
			t.Fatal(err)
		}
		k, nt, err := decodeMessage(b)
		if err != nil || k != kind || nt.name != "ams-1" || !nt.table.Equal(tb) {
			t.Fatalf("decodeMessage = %d, %+v, %v", k, nt, err)
		}
	}
	if _, err := appendMessage(nil, kindGossip, "", &tb); err == nil {
		t.Fatal("empty name accepted")
	}
}

func TestDecodeMessageMalformed(t *testing.T) {
	tb := sampleTable()
	good, _ := appendMessage(nil, kindGossip, "ams", &tb)
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "byte 0: message kind missing"},
		{"kind", append([]byte{9}, good[1:]...), "byte 0: message kind 9 is not 1 (gossip) or 2 (direct)"},
		{"no name length", []byte{1}, "byte 1: origin name truncated"},
		{"name too long", []byte{1, 10, 'a'}, "byte 1: origin name length 10 exceeds the 1 bytes left"},
		{"empty name", append([]byte{1, 0}, good[5:]...), "byte 1: origin name name length 0"},
		{"name control char", append([]byte{1, 3, 'a', '\n', 'b'}, good[5:]...), "byte 1: origin name name \"a\\nb\" contains control"},
		{"bad utf8", append([]byte{1, 2, 0xff, 0xfe}, good[5:]...), "not valid UTF-8"},
		// table errors carry offsets within the whole message: the table starts at byte 5.
		{"table magic", append(bytes.Clone(good[:5]), 'X', 'S'), "byte 7: header truncated: 2 bytes, need 14"},
		{"table trailing", append(bytes.Clone(good), 0), "table has 1 trailing bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := decodeMessage(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("decodeMessage = %v, want %q", err, tc.want)
			}
		})
	}
	bad := bytes.Clone(good)
	bad[5+3] = 0x80 // table flags at table byte 3
	if _, _, err := decodeMessage(bad); err == nil || !strings.HasPrefix(err.Error(), "linkstate: byte 8: flags 0x80") {
		t.Fatalf("table offset not shifted: %v", err)
	}
}

func TestStateRoundTripAndMalformed(t *testing.T) {
	a, b := sampleTable(), bigTable(9, 30)
	state, err := appendState(nil, []namedTable{{"ams", a}, {"fra", b}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeState(state)
	if err != nil || len(got) != 2 || got[0].name != "ams" || !got[0].table.Equal(a) || got[1].name != "fra" || !got[1].table.Equal(b) || got[0].err != nil || got[1].err != nil {
		t.Fatalf("decodeState = %+v, %v", got, err)
	}

	// A malformed table inside a sound frame fails alone.
	encA, _ := a.MarshalBinary()
	i := bytes.Index(state, encA)
	broken := bytes.Clone(state)
	broken[i+2] = 7 // format version of the first table
	got, err = decodeState(broken)
	if err != nil || got[0].err == nil || got[1].err != nil || !got[1].table.Equal(b) {
		t.Fatalf("per-table error not isolated: %+v, %v", got, err)
	}
	if want := "byte " + strconv.Itoa(i+2) + ": format version 7"; !strings.Contains(got[0].err.Error(), want) {
		t.Fatalf("error %q lacks %q", got[0].err, want)
	}

	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "byte 0: state kind missing"},
		{"kind", []byte{1, 0}, "byte 0: state kind 1 is not 3"},
		{"count truncated", []byte{3}, "byte 1: state table count truncated varint"},
		{"count limit", cat([]byte{3}, uv(MaxStateTables+1)), "byte 1: state table count 65537 exceeds limit 65536"},
		{"count vs length", cat([]byte{3}, uv(1000), []byte{1, 'a'}), "byte 1: state table count 1000 needs at least 19000 bytes, have 2"},
		{"table length", cat([]byte{3}, uv(1), []byte{1, 'a'}, uv(500), make([]byte, 20)), "byte 4: tables[0].length 500 exceeds the 20 bytes left"},
		{"trailing", append(bytes.Clone(state), 1), "state has 1 trailing bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := decodeState(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("decodeState = %v, want %q", err, tc.want)
			}
		})
	}
}
