package des

import (
	"fmt"
	"image/color"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// WritePlots draws the report's plots into dir, each as SVG and PNG, and
// returns the SVG file names (relative to dir).
func (r *Result) WritePlots(dir string) ([]string, error) {
	type fig struct {
		name string
		make func() (*plot.Plot, error)
	}
	figs := []fig{{"quality", r.plotQuality}, {"stretch", r.plotStretch}, {"changes", r.plotChanges}, {"gossip", r.plotGossip}}
	if len(r.Events) > 0 {
		figs = append(figs, fig{"events", r.plotEvents})
	}
	var names []string
	for _, f := range figs {
		p, err := f.make()
		if err != nil {
			return nil, fmt.Errorf("plot %s: %w", f.name, err)
		}
		for _, ext := range []string{".svg", ".png"} {
			if err := p.Save(16*vg.Centimeter, 9*vg.Centimeter, filepath.Join(dir, f.name+ext)); err != nil {
				return nil, fmt.Errorf("plot %s: %w", f.name, err)
			}
		}
		names = append(names, f.name+".svg")
	}
	return names, nil
}

// series returns the samples' (minutes, f(sample)) points.
func (r *Result) series(f func(s *Sample) float64) plotter.XYs {
	xy := make(plotter.XYs, len(r.Samples))
	for i := range r.Samples {
		xy[i].X, xy[i].Y = r.Samples[i].T/60, f(&r.Samples[i])
	}
	return xy
}

// addLines adds named lines, one color each.
func addLines(p *plot.Plot, lines ...any) error {
	for i := 0; i+1 < len(lines); i += 2 {
		l, err := plotter.NewLine(lines[i+1].(plotter.XYs))
		if err != nil {
			return err
		}
		l.Color = palette[(i/2)%len(palette)]
		p.Add(l)
		p.Legend.Add(lines[i].(string), l)
	}
	return nil
}

// timePlot returns an empty plot over virtual time.
func timePlot(title, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "virtual time (min)"
	p.Y.Label.Text = yLabel
	return p
}

func (r *Result) plotQuality() (*plot.Plot, error) {
	p := timePlot("Route quality against the optimum", "share")
	p.Y.Min, p.Y.Max = 0, 1.25
	p.Legend.Top, p.Legend.Left = true, true
	err := addLines(p,
		"pairs on an optimal path", r.series(func(s *Sample) float64 { return s.OnOptimal }),
		"optimal gain retained", r.series(func(s *Sample) float64 { return clamp01(s.GainRetained) }),
		"pairs without a live route", r.series(func(s *Sample) float64 { return s.Broken }))
	return p, err
}

func (r *Result) plotStretch() (*plot.Plot, error) {
	p := timePlot("Mean stretch (true cost of the route / optimal cost)", "stretch")
	err := addLines(p, "mean stretch", r.series(func(s *Sample) float64 { return s.MeanStretch }))
	return p, err
}

func (r *Result) plotChanges() (*plot.Plot, error) {
	p := timePlot("Route changes per pair per hour", "changes / pair / hour")
	err := addLines(p, "route changes", r.series(func(s *Sample) float64 { return s.ChangesPerPairHour }))
	return p, err
}

func (r *Result) plotGossip() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Gossip traffic per PoP (sorted)"
	p.X.Label.Text = "PoPs, sorted by traffic"
	p.Y.Label.Text = "KiB/s"
	tx := make([]float64, len(r.PoPs))
	rx := make([]float64, len(r.PoPs))
	for i, pr := range r.PoPs {
		tx[i], rx[i] = pr.TxBytesPerSec/1024, pr.RxBytesPerSec/1024
	}
	slices.Sort(tx)
	slices.Sort(rx)
	pts := func(v []float64) plotter.XYs {
		xy := make(plotter.XYs, len(v))
		for i := range v {
			xy[i].X, xy[i].Y = float64(i), v[i]
		}
		return xy
	}
	err := addLines(p, "sent", pts(tx), "received", pts(rx))
	return p, err
}

func (r *Result) plotEvents() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Time until every router routes around each failure (-1: not in its window)"
	p.Y.Label.Text = "seconds"
	vals := make(plotter.Values, len(r.Events))
	labels := make([]string, len(r.Events))
	for i, e := range r.Events {
		vals[i] = -1
		if e.AllS != nil {
			vals[i] = *e.AllS
		}
		labels[i] = fmt.Sprintf("%d", i+1)
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(12))
	if err != nil {
		return nil, err
	}
	bars.Color = palette[0]
	p.Add(bars)
	p.NominalX(labels...)
	p.X.Label.Text = "event (see the table)"
	return p, nil
}

func clamp01(v float64) float64 { return min(max(v, 0), 1) }

// palette colors the plot lines.
var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
}
