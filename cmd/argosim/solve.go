package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/argonet/argo/sim/matrix"
	"github.com/argonet/argo/sim/solve"
)

func init() { commands = append(commands, solveCmd()) }

// solveFlags are the options of `argosim solve`.
type solveFlags struct {
	matrix    string
	unit      string
	maxHops   int
	relayCost float64
	output    string
	top       int
	workers   int
}

func solveCmd() *cobra.Command {
	f := solveFlags{}
	def := solve.DefaultOptions()
	c := &cobra.Command{
		Use:   "solve --matrix FILE [--max-hops N] [--relay-cost MS] [-o table|json]",
		Short: "Run argod's path computation for every source of an RTT matrix",
		Long: `solve reads an RTT matrix (N lines of N numbers separated by tabs, spaces or
commas; milliseconds unless --unit s; an empty field, "-", NaN, 0 or a negative
value off the diagonal means no measurement) and runs pathcalc, exactly as a
freshly started argod would, from every source to every destination. It prints
how often and by how much the best overlay path beats the direct one.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSolve(cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.matrix, "matrix", "", "RTT matrix file (required)")
	fl.StringVar(&f.unit, "unit", "ms", "unit of the matrix values: ms or s")
	fl.IntVar(&f.maxHops, "max-hops", def.MaxHops, "most links per path, 1..4")
	fl.Float64Var(&f.relayCost, "relay-cost", def.RelayCostMs, "cost added per relay PoP, in ms (argod's default is 1)")
	fl.StringVarP(&f.output, "output", "o", "table", "output format: table or json")
	fl.IntVar(&f.top, "top", 20, "table output: number of pairs with the largest gain to list")
	fl.IntVar(&f.workers, "workers", 0, "goroutines (0: one per CPU)")
	_ = c.MarkFlagRequired("matrix")
	return c
}

func runSolve(out, errOut io.Writer, f solveFlags) error {
	if f.output != "table" && f.output != "json" {
		return fmt.Errorf("--output %q: want table or json", f.output)
	}
	if f.top < 0 {
		return fmt.Errorf("--top %d: must not be negative", f.top)
	}
	u, err := matrix.ParseUnit(f.unit)
	if err != nil {
		return fmt.Errorf("--unit: %w", err)
	}
	o := solve.Options{MaxHops: f.maxHops, RelayCostMs: f.relayCost, Workers: f.workers}
	if err := o.Validate(); err != nil {
		return fmt.Errorf("--max-hops/--relay-cost: %w", err)
	}
	m, err := matrix.ReadFile(f.matrix, u)
	if err != nil {
		return err
	}
	start := time.Now()
	res, err := solve.Solve(m, o)
	if err != nil {
		return err
	}
	took := time.Since(start)
	if f.output == "json" {
		return res.WriteJSON(out)
	}
	if err := res.WriteTable(out, f.top); err != nil {
		return err
	}
	_, err = fmt.Fprintf(errOut, "\n%d sources solved in %v\n", m.Len(), took.Round(time.Millisecond))
	return err
}
