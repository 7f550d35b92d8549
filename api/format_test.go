package api

import "testing"

func TestFormatMs(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0, "0.00ms"}, {7.891, "7.89ms"}, {9.999, "10.00ms"}, {10, "10.0ms"},
		{45.64, "45.6ms"}, {100, "100ms"}, {1234.5, "1234ms"},
	} {
		if got := FormatMs(tc.in); got != tc.want {
			t.Errorf("FormatMs(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
