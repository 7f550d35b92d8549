package pathcalc

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// planetlabPath is the real RTT matrix, relative to this package directory.
const planetlabPath = "../../shared/data/planetlab_9.tsv"

// loadMatrix reads a square tab-separated RTT matrix in milliseconds. Missing
// entries, nonpositive or non-numeric off-diagonal values mean "no link".
func loadMatrix(path string) ([][]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows [][]float64
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			continue
		}
		fields := strings.Split(line, "\t")
		row := make([]float64, len(fields))
		for i, s := range fields {
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				v = 0
			}
			row[i] = v
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errors.New("empty matrix")
	}
	n := len(rows)
	for i := range rows {
		if len(rows[i]) > n {
			return nil, fmt.Errorf("row %d has %d fields for %d rows", i, len(rows[i]), n)
		}
		for len(rows[i]) < n {
			rows[i] = append(rows[i], 0)
		}
	}
	return rows, nil
}

// matrixLinks turns an RTT matrix into live links between PoPs 0..n-1,
// skipping nonpositive off-diagonal entries.
func matrixLinks(m [][]float64) ([]uint16, []Link, int) {
	n := len(m)
	nodes := make([]uint16, n)
	links := make([]Link, 0, n*n)
	missing := 0
	for i := range m {
		nodes[i] = uint16(i)
		for j, v := range m[i] {
			if i == j {
				continue
			}
			if v <= 0 {
				missing++
				continue
			}
			links = append(links, Link{From: uint16(i), To: uint16(j), RTT: time.Duration(v * float64(time.Millisecond)), Up: true})
		}
	}
	return nodes, links, missing
}

// syntheticLinks returns a complete graph of n PoPs: points on a plane ~150 ms
// across, RTT = distance inflated by a random asymmetric factor (so that
// relays often win), small jitter and occasional loss.
func syntheticLinks(n int, seed uint64) ([]uint16, []Link) {
	r := rand.New(rand.NewPCG(seed, 7))
	x, y := make([]float64, n), make([]float64, n)
	for i := range x {
		x[i], y[i] = r.Float64()*150, r.Float64()*100
	}
	nodes := make([]uint16, n)
	links := make([]Link, 0, n*(n-1))
	for i := range n {
		nodes[i] = uint16(i + 1)
		for j := range n {
			if i == j {
				continue
			}
			d := math.Hypot(x[i]-x[j], y[i]-y[j])
			rtt := 1 + d*(1+r.ExpFloat64()*0.4)
			l := Link{
				From: uint16(i + 1), To: uint16(j + 1), Up: true,
				RTT:    time.Duration(rtt * float64(time.Millisecond)),
				Jitter: time.Duration(r.Float64() * float64(time.Millisecond)),
			}
			if r.IntN(20) == 0 {
				l.Loss = r.Float64() * 0.05
			}
			links = append(links, l)
		}
	}
	return nodes, links
}

// syntheticGraph builds syntheticLinks with default weights.
func syntheticGraph(tb testing.TB, n int) *Graph {
	tb.Helper()
	nodes, links := syntheticLinks(n, uint64(n))
	g, err := NewGraph(nodes, links, DefaultWeights())
	if err != nil {
		tb.Fatal(err)
	}
	return g
}
