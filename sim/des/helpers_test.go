package des

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/argonet/argo/sim/matrix"
)

const planetlabPath = "../../../shared/data/planetlab_9.tsv"

// synthMatrix returns n PoPs on a plane about 150 ms across whose RTTs are
// the distance inflated by a random factor, so that relays often win.
func synthMatrix(t testing.TB, n int, seed uint64) *matrix.Matrix {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 99))
	x, y := make([]float64, n), make([]float64, n)
	for i := range x {
		x[i], y[i] = r.Float64()*150, r.Float64()*100
	}
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = make([]float64, n)
	}
	for i := range n {
		for j := i + 1; j < n; j++ {
			d := math.Hypot(x[i]-x[j], y[i]-y[j])
			v := 2 + d*(1+r.ExpFloat64()*0.5)
			rows[i][j], rows[j][i] = v, v*(0.95+0.1*r.Float64())
		}
	}
	m, err := matrix.New(rows)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// planetlab returns the first n PoPs of the real matrix, or skips.
func planetlab(t testing.TB, n int) *matrix.Matrix {
	t.Helper()
	m, err := matrix.ReadFile(planetlabPath, matrix.Milliseconds)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("real RTT matrix not found at %s (CI clones shared/ beside the repo)", planetlabPath)
	}
	if err != nil {
		t.Fatal(err)
	}
	return m.Head(n)
}
