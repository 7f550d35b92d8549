package matrix

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse: it must never panic, must fail
// only with an *Error, and a matrix it accepts must be well formed and
// survive a WriteTSV round trip unchanged.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"0\t5\n3\t0\n", "0,1,2\n1,0,-\nnan,2,0\n", "0 1\n1 0 2\n", "0 x\n1 0\n",
		"0\t\t\n\t0\t\n\t\t0\n", "1e300 1\n1 0\n", "0 1\r\n1 0\r\n", "",
	} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, seconds bool) {
		u := Milliseconds
		if seconds {
			u = Seconds
		}
		m, err := Parse(bytes.NewReader(data), u)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Fatalf("error %v is not a positioned *Error", err)
			}
			return
		}
		n := m.Len()
		if n < 1 || n > MaxN || len(m.ms) != n*n {
			t.Fatalf("bad size %d (%d entries)", n, len(m.ms))
		}
		for i := range n {
			for j := range n {
				v, ok := m.At(i, j)
				if i == j && ok {
					t.Fatalf("diagonal (%d,%d) measured", i, j)
				}
				if ok && !(v > 0 && v <= MaxRTTms) {
					t.Fatalf("entry (%d,%d) = %v", i, j, v)
				}
				if !ok && !math.IsNaN(v) {
					t.Fatalf("missing entry (%d,%d) = %v", i, j, v)
				}
			}
		}
		var b bytes.Buffer
		if err := m.WriteTSV(&b); err != nil {
			t.Fatal(err)
		}
		back, err := Parse(&b, Milliseconds)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if !back.Equal(m) {
			t.Fatal("round trip changed the matrix")
		}
	})
}
