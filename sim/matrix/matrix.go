package matrix

import (
	"fmt"
	"math"
)

// Limits on accepted matrices.
const (
	// MaxN is the largest number of rows (and columns) accepted.
	MaxN = 4096
	// MaxRTTms is the largest RTT accepted, in milliseconds (one hour).
	MaxRTTms = 3.6e6
)

// Matrix is an immutable N x N RTT matrix in milliseconds. A missing
// measurement (and the diagonal) is stored as NaN.
type Matrix struct {
	n  int
	ms []float64 // row-major
}

// New builds a matrix from rows of milliseconds, with the same rules as the
// parser: NaN, zero or negative off-diagonal values mean "no measurement",
// the diagonal is ignored, and infinite or too large values are rejected.
func New(rows [][]float64) (*Matrix, error) {
	n := len(rows)
	if n == 0 {
		return nil, fmt.Errorf("rows: empty matrix")
	}
	if n > MaxN {
		return nil, fmt.Errorf("rows: %d rows exceed the maximum %d", n, MaxN)
	}
	m := &Matrix{n: n, ms: make([]float64, n*n)}
	for i, r := range rows {
		if len(r) != n {
			return nil, fmt.Errorf("rows[%d]: %d values, want %d (the matrix must be square)", i, len(r), n)
		}
		for j, v := range r {
			x, err := entry(v, i == j)
			if err != nil {
				return nil, fmt.Errorf("rows[%d][%d]: %v", i, j, err)
			}
			m.ms[i*n+j] = x
		}
	}
	return m, nil
}

// entry applies the value rules to one number (milliseconds).
func entry(v float64, diagonal bool) (float64, error) {
	switch {
	case math.IsInf(v, 0):
		return 0, fmt.Errorf("infinite value")
	case diagonal, math.IsNaN(v), v <= 0:
		return math.NaN(), nil
	case v > MaxRTTms:
		return 0, fmt.Errorf("RTT %g ms exceeds the maximum %g ms", v, float64(MaxRTTms))
	}
	return v, nil
}

// Len returns N.
func (m *Matrix) Len() int { return m.n }

// At returns the RTT from i to j in milliseconds, and false when there is
// no measurement (always for i == j). i and j must be in [0, N).
func (m *Matrix) At(i, j int) (float64, bool) {
	v := m.ms[i*m.n+j]
	return v, !math.IsNaN(v)
}

// Edges returns the number of measured off-diagonal entries.
func (m *Matrix) Edges() int {
	c := 0
	for _, v := range m.ms {
		if !math.IsNaN(v) {
			c++
		}
	}
	return c
}

// Equal reports whether two matrices have the same size and entries.
func (m *Matrix) Equal(o *Matrix) bool {
	if m.n != o.n {
		return false
	}
	for i, v := range m.ms {
		w := o.ms[i]
		if v != w && !(math.IsNaN(v) && math.IsNaN(w)) {
			return false
		}
	}
	return true
}

// Head returns the leading k x k block of m (the first k PoPs), or m
// itself when k >= N.
func (m *Matrix) Head(k int) *Matrix {
	if k >= m.n {
		return m
	}
	out := &Matrix{n: k, ms: make([]float64, k*k)}
	for i := range k {
		copy(out.ms[i*k:(i+1)*k], m.ms[i*m.n:i*m.n+k])
	}
	return out
}
