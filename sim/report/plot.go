package report

import (
	"fmt"
	"image/color"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Plot sizes.
const (
	plotWidth  = 11 * vg.Inch
	plotHeight = 5 * vg.Inch
)

var (
	grey   = color.RGBA{150, 150, 150, 255}
	red    = color.RGBA{200, 30, 30, 255}
	blue   = color.RGBA{30, 80, 200, 255}
	black  = color.RGBA{0, 0, 0, 255}
	purple = color.RGBA{120, 40, 160, 255}
)

// savePlot writes p as name.svg and name.png in dir.
func savePlot(p *plot.Plot, dir, name string) ([]string, error) {
	var files []string
	for _, ext := range []string{".svg", ".png"} {
		f := filepath.Join(dir, name+ext)
		if err := p.Save(plotWidth, plotHeight, f); err != nil {
			return files, fmt.Errorf("plot %s: %w", f, err)
		}
		files = append(files, f)
	}
	return files, nil
}

// rttPlot draws a flow's RTT over time: overlay and direct probes, lost
// overlay probes along the top, events and path changes as vertical lines.
func rttPlot(r *Report, f Flow) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s: RTT over time (%s at %s → %s at %s)", f.Name, f.Client, f.Ingress, f.Origin, f.Egress)
	p.X.Label.Text = "time since the start of the timeline (s)"
	p.Y.Label.Text = "round-trip time (ms)"
	p.Legend.Top = true
	pk := f.Packets
	overlay, lostX := points(pk.OverlaySentMs, pk.OverlayRTTMs)
	direct, _ := points(pk.DirectSentMs, pk.DirectRTTMs)
	yMax := 1.0
	for _, xy := range append(slices.Clone(overlay), direct...) {
		yMax = max(yMax, xy.Y)
	}
	yMax *= 1.12
	p.Y.Min, p.Y.Max = 0, yMax
	p.X.Min, p.X.Max = 0, max(r.DurationSec, 1)
	if err := addScatter(p, direct, grey, draw.CircleGlyph{}, 1, "direct (no overlay)"); err != nil {
		return nil, err
	}
	if err := addScatter(p, overlay, blue, draw.CircleGlyph{}, 1, "overlay"); err != nil {
		return nil, err
	}
	lost := make(plotter.XYs, len(lostX))
	for i, x := range lostX {
		lost[i] = plotter.XY{X: x, Y: yMax * 0.97}
	}
	if err := addScatter(p, lost, red, draw.CrossGlyph{}, 2, "overlay probe lost"); err != nil {
		return nil, err
	}
	var marks []mark
	for _, e := range r.Events {
		if e.Status == Applied {
			marks = append(marks, mark{x: e.AppliedSec, label: e.Action + " " + e.Target, c: black, dash: true, y: 0.9})
		}
	}
	for i, s := range f.Forward {
		if i > 0 {
			marks = append(marks, mark{x: s.AtSec, label: "→ " + arrow(s.Path), c: purple, y: 0.2})
		}
	}
	if err := addMarks(p, marks, yMax); err != nil {
		return nil, err
	}
	return p, nil
}

// points splits probes into delivered (x s, y ms) and the send times (s)
// of the lost ones.
func points(sentMs, rttMs []float64) (plotter.XYs, []float64) {
	var xy plotter.XYs
	var lost []float64
	for i, s := range sentMs {
		if rttMs[i] < 0 {
			lost = append(lost, s/1000)
			continue
		}
		xy = append(xy, plotter.XY{X: s / 1000, Y: rttMs[i]})
	}
	return xy, lost
}

func addScatter(p *plot.Plot, xy plotter.XYs, c color.Color, shape draw.GlyphDrawer, radius vg.Length, name string) error {
	if len(xy) == 0 {
		return nil
	}
	s, err := plotter.NewScatter(xy)
	if err != nil {
		return err
	}
	s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: radius, Shape: shape}
	p.Add(s)
	p.Legend.Add(name, s)
	return nil
}

// mark is a labelled vertical line; its label sits at y (a fraction of
// the plot's height), staggered so that close marks stay readable.
type mark struct {
	x     float64
	label string
	c     color.Color
	dash  bool
	y     float64
}

func addMarks(p *plot.Plot, marks []mark, yMax float64) error {
	var lxy plotter.XYs
	var labels []string
	for i, m := range marks {
		l, err := plotter.NewLine(plotter.XYs{{X: m.x, Y: 0}, {X: m.x, Y: yMax}})
		if err != nil {
			return err
		}
		l.LineStyle.Color = m.c
		l.LineStyle.Width = vg.Points(0.8)
		if m.dash {
			l.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(l)
		// Stagger the labels so that close events stay readable.
		lxy = append(lxy, plotter.XY{X: m.x, Y: yMax * (m.y - 0.05*float64(i%3))})
		labels = append(labels, " "+m.label)
	}
	if len(labels) == 0 {
		return nil
	}
	lb, err := plotter.NewLabels(plotter.XYLabels{XYs: lxy, Labels: labels})
	if err != nil {
		return err
	}
	for i := range lb.TextStyle {
		lb.TextStyle[i].Font.Size = vg.Points(7)
	}
	p.Add(lb)
	return nil
}

// cdfPlot draws, per flow, the CDF of overlay RTT (solid) and direct RTT
// (dashed) over the echoed probes.
func cdfPlot(r *Report) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "CDF of round-trip times: overlay (solid) against direct (dashed)"
	p.X.Label.Text = "round-trip time (ms)"
	p.Y.Label.Text = "fraction of echoed probes"
	p.Y.Min, p.Y.Max = 0, 1
	p.Legend.Top = false
	p.Legend.Left = false
	p.Legend.YOffs = vg.Points(20)
	for i, f := range r.Flows {
		c := plotutil.Color(i)
		for _, kind := range []struct {
			name string
			rtt  []float64
			dash bool
		}{{"overlay", f.Packets.OverlayRTTMs, false}, {"direct", f.Packets.DirectRTTMs, true}} {
			xy := cdf(kind.rtt)
			if len(xy) == 0 {
				continue
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return nil, err
			}
			l.LineStyle.Color = c
			l.LineStyle.Width = vg.Points(1.5)
			if kind.dash {
				l.LineStyle.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			}
			p.Add(l)
			p.Legend.Add(f.Name+" "+kind.name, l)
		}
	}
	return p, nil
}

// cdf returns the empirical CDF of the non-negative values.
func cdf(v []float64) plotter.XYs {
	var s []float64
	for _, x := range v {
		if x >= 0 {
			s = append(s, x)
		}
	}
	slices.Sort(s)
	xy := make(plotter.XYs, len(s))
	for i, x := range s {
		xy[i] = plotter.XY{X: x, Y: float64(i+1) / float64(len(s))}
	}
	return xy
}

// failoverPlot draws the failover time of every affected flow per failure
// event (nil if there is none).
func failoverPlot(r *Report) (*plot.Plot, error) {
	var vals plotter.Values
	var names []string
	for _, e := range r.Events {
		for _, f := range e.Flows {
			if e.Kind == KindFailure && f.FailoverMs != nil {
				vals = append(vals, *f.FailoverMs)
				names = append(names, fmt.Sprintf("%.0fs %s\n%s", e.AtSec, e.Target, f.Flow))
			}
		}
	}
	if len(vals) == 0 {
		return nil, nil
	}
	p := plot.New()
	p.Title.Text = "Failover: event to the first probe delivered on the new path"
	p.Y.Label.Text = "failover time (ms)"
	bars, err := plotter.NewBarChart(vals, vg.Points(24))
	if err != nil {
		return nil, err
	}
	bars.Color = blue
	p.Add(bars)
	p.NominalX(names...)
	return p, nil
}
