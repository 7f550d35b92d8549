package bgp

import (
	"strings"
	"testing"
)

func TestParseCommunities(t *testing.T) {
	tests := []struct {
		name      string
		in        []string
		wantStd   []uint32
		wantLarge [][3]uint32
		wantErr   string
	}{
		{name: "none"},
		{name: "standard", in: []string{"65000:100", "0:0", "65535:65535"}, wantStd: []uint32{65000<<16 | 100, 0, 0xFFFFFFFF}},
		{name: "large", in: []string{"4200000001:1:2"}, wantLarge: [][3]uint32{{4200000001, 1, 2}}},
		{name: "well-known", in: []string{"no-export", "NO-ADVERTISE", "graceful-shutdown"}, wantStd: []uint32{0xFFFFFF01, 0xFFFFFF02, 0xFFFF0000}},
		{name: "mixed", in: []string{"1:2", "3:4:5"}, wantStd: []uint32{1<<16 | 2}, wantLarge: [][3]uint32{{3, 4, 5}}},
		{name: "standard out of range", in: []string{"65000:100", "65536:1"}, wantErr: `[1] "65536:1": first half`},
		{name: "standard low out of range", in: []string{"1:70000"}, wantErr: "second half"},
		{name: "large out of range", in: []string{"1:2:4294967296"}, wantErr: "large community part 3"},
		{name: "empty part", in: []string{"1:"}, wantErr: "missing digits"},
		{name: "too many parts", in: []string{"1:2:3:4"}, wantErr: `want "asn:value"`},
		{name: "word", in: []string{"no-such"}, wantErr: `[0] "no-such"`},
		{name: "sign", in: []string{"-1:2"}, wantErr: "unexpected character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseCommunities(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(c.standard) != len(tt.wantStd) {
				t.Fatalf("standard = %v, want %v", c.standard, tt.wantStd)
			}
			for i := range c.standard {
				if c.standard[i] != tt.wantStd[i] {
					t.Errorf("standard[%d] = %#x, want %#x", i, c.standard[i], tt.wantStd[i])
				}
			}
			if len(c.large) != len(tt.wantLarge) {
				t.Fatalf("large = %v, want %v", c.large, tt.wantLarge)
			}
			for i, l := range c.large {
				got := [3]uint32{l.ASN, l.LocalData1, l.LocalData2}
				if got != tt.wantLarge[i] {
					t.Errorf("large[%d] = %v, want %v", i, got, tt.wantLarge[i])
				}
			}
		})
	}
}

func FuzzParseCommunities(f *testing.F) {
	for _, s := range []string{"65000:100", "1:2:3", "no-export", "1:", "65536:1", "a:b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCommunities([]string{s})
		if err != nil {
			if !strings.Contains(err.Error(), "[0]") {
				t.Fatalf("error %q does not name the entry", err)
			}
			return
		}
		if len(c.standard)+len(c.large) != 1 {
			t.Fatalf("%q parsed to %d communities", s, len(c.standard)+len(c.large))
		}
	})
}
