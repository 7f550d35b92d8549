package solve

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteJSON writes the result as one JSON object {"summary": ..., "pairs": [...]}.
func (r *Result) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(r); err != nil {
		return err
	}
	return bw.Flush()
}

// Top returns the k pairs with the largest relative gain (ties: larger
// absolute gain, then lower Src, then lower Dst).
func (r *Result) Top(k int) []*Pair {
	ps := make([]*Pair, 0, len(r.Pairs))
	for i := range r.Pairs {
		if r.Pairs[i].DirectMs != nil {
			ps = append(ps, &r.Pairs[i])
		}
	}
	abs := func(p *Pair) float64 { return *p.DirectMs - p.BestMs }
	slices.SortFunc(ps, func(a, b *Pair) int {
		switch {
		case a.Gain() != b.Gain():
			return cmpDesc(a.Gain(), b.Gain())
		case abs(a) != abs(b):
			return cmpDesc(abs(a), abs(b))
		case a.Src != b.Src:
			return a.Src - b.Src
		}
		return a.Dst - b.Dst
	})
	return ps[:min(k, len(ps))]
}

func cmpDesc(a, b float64) int {
	if a > b {
		return -1
	}
	return 1
}

// WriteTable writes the summary and the top pairs by gain as text.
func (r *Result) WriteTable(w io.Writer, top int) error {
	s := r.Summary
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "nodes            %d\n", s.Nodes)
	fmt.Fprintf(bw, "max hops         %d (relay cost %g ms)\n", s.MaxHops, s.RelayCostMs)
	fmt.Fprintf(bw, "pairs            %d (%d with a direct edge, %d reachable only via relays)\n", s.Pairs, s.DirectPairs, s.OverlayOnly)
	fmt.Fprintf(bw, "improved >10%%    %.1f %% of direct pairs (best path relayed for %.1f %%)\n", 100*s.Improved10, 100*s.Relayed)
	fmt.Fprintf(bw, "mean direct      %.2f ms\n", s.MeanDirectMs)
	fmt.Fprintf(bw, "mean best        %.2f ms\n", s.MeanBestMs)
	fmt.Fprintf(bw, "gain p50/p90/p99 %.1f %% / %.1f %% / %.1f %%\n", 100*s.GainP50, 100*s.GainP90, 100*s.GainP99)
	tops := r.Top(top)
	if len(tops) > 0 {
		fmt.Fprintf(bw, "\n%d pairs with the largest gain:\n", len(tops))
		fmt.Fprintf(bw, "%6s %6s %11s %11s %7s  %s\n", "src", "dst", "direct ms", "best ms", "gain", "path")
		for _, p := range tops {
			fmt.Fprintf(bw, "%6d %6d %11.2f %11.2f %6.1f%%  %s\n", p.Src, p.Dst, *p.DirectMs, p.BestMs, 100*p.Gain(), fmtPath(p.Path))
		}
	}
	return bw.Flush()
}

func fmtPath(p []int) string {
	var b strings.Builder
	for i, n := range p {
		if i > 0 {
			b.WriteByte('>')
		}
		fmt.Fprint(&b, n)
	}
	return b.String()
}
