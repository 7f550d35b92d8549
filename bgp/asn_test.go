package bgp

import (
	"strings"
	"testing"
)

func TestParseASN(t *testing.T) {
	tests := []struct {
		in      string
		want    uint32
		wantErr string // substring; empty: no error
	}{
		{in: "65001", want: 65001},
		{in: "1", want: 1},
		{in: "4200000001", want: 4200000001},
		{in: "4294967294", want: 4294967294},
		{in: "1.10", want: 65546},
		{in: "0.100", want: 100},
		{in: "65535.65534", want: 4294967294},
		{in: "AS65001", want: 65001},
		{in: "as1.10", want: 65546},
		{in: "", wantErr: "empty"},
		{in: "AS", wantErr: "empty"},
		{in: "0", wantErr: "RFC 7607"},
		{in: "0.0", wantErr: "RFC 7607"},
		{in: "23456", wantErr: "AS_TRANS"},
		{in: "65535", wantErr: "RFC 7300"},
		{in: "4294967295", wantErr: "RFC 7300"},
		{in: "65535.65535", wantErr: "RFC 7300"},
		{in: "4294967296", wantErr: "out of range"},
		{in: "99999999999999999999999", wantErr: "out of range"},
		{in: "65536.1", wantErr: "high part"},
		{in: "1.65536", wantErr: "low part"},
		{in: "1.", wantErr: "missing digits"},
		{in: ".1", wantErr: "missing digits"},
		{in: "1.2.3", wantErr: "unexpected character"},
		{in: "-1", wantErr: "unexpected character"},
		{in: "+65001", wantErr: "unexpected character"},
		{in: " 65001", wantErr: "unexpected character"},
		{in: "65001 ", wantErr: "unexpected character"},
		{in: "0x10", wantErr: "unexpected character"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseASN(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseASN(%q) = %d, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.in) {
					t.Errorf("error %q does not quote the input", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseASN(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

func FuzzParseASN(f *testing.F) {
	for _, s := range []string{"65001", "1.10", "AS4200000001", "0", "65536.1", "1.2.3", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		asn, err := ParseASN(s)
		if err != nil {
			return
		}
		if checkASN(asn) != nil {
			t.Fatalf("ParseASN(%q) accepted reserved AS %d", s, asn)
		}
		// The plain decimal form must parse back to the same number.
		again, err := ParseASN(FormatASN(asn))
		if err != nil || again != asn {
			t.Fatalf("round trip of %q: %d -> %q -> %d, %v", s, asn, FormatASN(asn), again, err)
		}
	})
}
