package solve_test

import (
	"fmt"
	"math"

	"github.com/argonet/argo/sim/matrix"
	"github.com/argonet/argo/sim/solve"
)

func ExampleSolve() {
	nan := math.NaN()
	// 0->2 direct costs 100 ms; through 1 it costs 10 + 10 + 1 (relay).
	m, err := matrix.New([][]float64{{0, 10, 100}, {10, 0, 10}, {nan, 10, 0}})
	if err != nil {
		panic(err)
	}
	res, err := solve.Solve(m, solve.Options{MaxHops: 3, RelayCostMs: 1})
	if err != nil {
		panic(err)
	}
	top := res.Top(1)[0]
	fmt.Printf("%d pairs, %.0f%% improved by more than 10%%\n", res.Summary.Pairs, 100*res.Summary.Improved10)
	fmt.Printf("best %d->%d: %v, %.0f ms instead of %.0f ms\n", top.Src, top.Dst, top.Path, top.BestMs, *top.DirectMs)
	// Output:
	// 6 pairs, 20% improved by more than 10%
	// best 0->2: [0 1 2], 21 ms instead of 100 ms
}
