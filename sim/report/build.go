package report

import (
	"slices"
	"time"

	"github.com/argonet/argo/sim/flow"
)

// Build analyses a run's record. It is a pure function of in.
func Build(in *Input) *Report {
	s := in.Scenario
	end := in.End.Sub(in.Start)
	r := &Report{
		Scenario: s.Name, Description: s.Description, Started: in.Start, DurationSec: sec(end),
		Interrupted: in.Interrupted, Settings: in.Settings, ArgodStartSec: sec(in.ArgodStart.Sub(in.Start)),
		Crashes: in.Crashes,
	}
	for _, p := range s.Pops {
		r.Pops = append(r.Pops, Pop{Name: p.Name, ID: p.ID, City: p.City})
	}
	hs := newHistories(in.Routes, in.Start)
	r.Convergence = convergence(in, hs, newCosts(s.Matrix(), in.Settings))

	var eventTimes []time.Duration
	for _, ae := range in.Events {
		if ae.Status == Applied {
			eventTimes = append(eventTimes, ae.Done.Sub(in.Start))
		}
	}
	slices.Sort(eventTimes)
	ea := &eventAnalyzer{in: in, hs: hs, end: end}
	for _, ae := range in.Events {
		if ae.Status == Applied {
			ea.applied = append(ea.applied, ae)
		}
	}
	for _, ae := range in.Events {
		r.Events = append(r.Events, ea.analyze(ae))
	}

	var overlay, direct []flow.Series
	for _, f := range in.Flows {
		r.Flows = append(r.Flows, buildFlow(f, hs, end, eventTimes))
		overlay, direct = append(overlay, f.Overlay), append(direct, f.Direct)
	}
	r.Overall.Overlay = statsOf(allSeries(overlay), 0, end+time.Hour)
	r.Overall.Direct = statsOf(allSeries(direct), 0, end+time.Hour)
	r.Overall.GainPct = gainPct(r.Overall.Overlay.P50Ms, r.Overall.Direct.P50Ms)

	for _, rh := range in.Routes {
		h := hs[[2]string{rh.Pop, rh.Dst}]
		c, f := changesAndFlaps(h, end, eventTimes)
		r.RouteChanges += c
		r.Flaps += f
		r.Routes = append(r.Routes, Route{Pop: rh.Pop, Dst: rh.Dst, Changes: spans(h)})
	}
	if st := in.Fabric; st != nil {
		fr := &FabricReport{Late: st.Late, MaxLatenessMs: round3(ms(st.MaxLateness)), RingDrops: st.RingDrops}
		for _, l := range st.Links {
			fr.Forwarded += l.Forwarded
			fr.Lost += l.Lost
			fr.Cut += l.Cut
			fr.QueueDrops += l.QueueDrops
			fr.Overflow += l.Overflow
		}
		r.Fabric = fr
	}
	r.Summary = summary(r)
	return r
}

func buildFlow(f FlowInput, hs histories, end time.Duration, events []time.Duration) Flow {
	out := Flow{Name: f.Name, Client: f.Client, Origin: f.Origin, Ingress: f.Ingress, Egress: f.Egress,
		Rate: f.Rate, Size: f.Size}
	out.Overlay = statsOf(f.Overlay, 0, end+time.Hour)
	out.Direct = statsOf(f.Direct, 0, end+time.Hour)
	out.GainPct = gainPct(out.Overlay.P50Ms, out.Direct.P50Ms)
	fwd, rev := hs[[2]string{f.Ingress, f.Egress}], hs[[2]string{f.Egress, f.Ingress}]
	out.Forward, out.Reverse = fromZero(fwd), fromZero(rev)
	cf, ff := changesAndFlaps(fwd, end, events)
	cr, fr := changesAndFlaps(rev, end, events)
	out.RouteChanges, out.Flaps = cf+cr, ff+fr
	out.Packets = Packets{
		OverlaySentMs: msList(f.Overlay.Sent), OverlayRTTMs: rttList(f.Overlay.RTT),
		DirectSentMs: msList(f.Direct.Sent), DirectRTTMs: rttList(f.Direct.RTT),
	}
	return out
}

// fromZero returns the spans from the one in use at the start of the
// timeline on.
func fromZero(h hist) []PathSpan {
	var out hist
	if s, ok := h.at(0); ok {
		out = append(out, span{at: 0, path: s.path, reason: s.reason})
	}
	out = append(out, h.within(0, time.Duration(1<<62))...)
	return spans(out)
}

func spans(h hist) []PathSpan {
	out := make([]PathSpan, len(h))
	for i, s := range h {
		out[i] = PathSpan{AtSec: sec(s.at), Path: s.path, Reason: s.reason}
	}
	return out
}

func msList(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = round2(ms(d))
	}
	return out
}

func rttList(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		if d < 0 {
			out[i] = -1
		} else {
			out[i] = round3(ms(d))
		}
	}
	return out
}
