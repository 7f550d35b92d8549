package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/argonet/argo/sim/scenario"
)

// recoveryLossWindow is how far around a route change caused by a recovery
// lost probes are attributed to that change.
const recoveryLossWindow = time.Second

// kindOf classifies an event as a failure or a recovery.
func kindOf(s *scenario.Scenario, e scenario.Event) string {
	switch e.Action {
	case scenario.CutLink, scenario.KillPop, scenario.DrainPop:
		return KindFailure
	case scenario.RestoreLink, scenario.RestartPop, scenario.UndrainPop:
		return KindRecovery
	}
	// set_link: worse if delay, jitter or loss grew in some direction.
	before, after := s.MatrixAt(e.At-1), s.MatrixAt(e.At)
	i, _ := after.Index(e.From)
	j, _ := after.Index(e.To)
	dirs := [][2]int{{i, j}}
	if e.Symmetric {
		dirs = append(dirs, [2]int{j, i})
	}
	for _, d := range dirs {
		b, a := before.Link[d[0]][d[1]], after.Link[d[0]][d[1]]
		if a.Delay > b.Delay || a.Jitter > b.Jitter || a.MeanLoss() > b.MeanLoss() || (a.RateBps != 0 && (b.RateBps == 0 || a.RateBps < b.RateBps)) {
			return KindFailure
		}
	}
	return KindRecovery
}

// detail describes what a set_link event sets.
func detail(e scenario.Event) string {
	var parts []string
	if e.Set.Delay != nil {
		parts = append(parts, "delay "+e.Set.Delay.String())
	}
	if e.Set.Jitter != nil {
		parts = append(parts, "jitter "+e.Set.Jitter.String())
	}
	if e.Set.Loss != nil {
		parts = append(parts, fmt.Sprintf("loss %g%%", 100**e.Set.Loss))
	}
	if e.Set.GE != nil {
		parts = append(parts, fmt.Sprintf("bursty loss (mean %.1f%%)", 100*e.Set.GE.MeanLoss()))
	}
	if e.Set.RateBps != nil {
		parts = append(parts, fmt.Sprintf("rate %d bit/s", *e.Set.RateBps))
	}
	return strings.Join(parts, ", ")
}

// eventAnalyzer holds what every event's analysis needs.
type eventAnalyzer struct {
	in      *Input
	hs      histories
	end     time.Duration
	applied []AppliedEvent // in time order
}

// analyze evaluates applied event ae against every flow.
func (a *eventAnalyzer) analyze(ae AppliedEvent) Event {
	e := ae.Event
	ev := Event{
		Index: ae.Index, AtSec: sec(e.At), Action: string(e.Action), Target: e.Target(),
		Detail: detail(e), Kind: kindOf(a.in.Scenario, e), Status: ae.Status, Note: ae.Note,
	}
	if ae.Status != Applied {
		return ev
	}
	te := ae.Done.Sub(a.in.Start)
	ev.AppliedSec = sec(te)
	for _, f := range a.in.Flows {
		var ef EventFlow
		if ev.Kind == KindFailure {
			ef = a.failure(e, f, te, a.windowEnd(e, nil))
		} else {
			el := elementOf(e)
			ef = a.recovery(e, f, te, a.windowEnd(e, &el))
		}
		ef.Flow = f.Name
		ev.Flows = append(ev.Flows, ef)
	}
	return ev
}

// windowEnd is when the next event scheduled after e took effect (only
// events on an element overlapping el, if el is given), or the end.
func (a *eventAnalyzer) windowEnd(e scenario.Event, el *element) time.Duration {
	for _, x := range a.applied {
		if x.Event.At <= e.At {
			continue
		}
		if el == nil || el.overlaps(elementOf(x.Event)) {
			return x.Done.Sub(a.in.Start)
		}
	}
	return a.end
}

// failure measures how a flow got off a failed or degraded element.
func (a *eventAnalyzer) failure(e scenario.Event, f FlowInput, te, tw time.Duration) EventFlow {
	el := elementOf(e)
	fwd, rev := a.hs[[2]string{f.Ingress, f.Egress}], a.hs[[2]string{f.Egress, f.Ingress}]
	f0, _ := fwd.at(te)
	r0, _ := rev.at(te)
	fAff, rAff := el.hits(f0.path), el.hits(r0.path)
	ef := EventFlow{OldPath: f0.path}
	if !fAff && !rAff {
		ef.Note = "not on the flow's paths"
		return ef
	}
	ef.Affected = true
	ef.Directions = directions(fAff, rAff)
	if el.endpoint(f0.path) {
		ef.Lost = lostIn(f.Overlay, te, tw)
		ef.DirectLost = lostIn(f.Direct, te, tw)
		ef.Note = "the flow's own ingress or egress PoP failed: no other path exists"
		return ef
	}
	var affected []hist
	if fAff {
		affected = append(affected, fwd)
	}
	if rAff {
		affected = append(affected, rev)
	}
	detect, switched, ok := offTimes(affected, el, te, tw)
	if detect > 0 {
		ef.DetectionMs = ptr(round2(ms(detect - te)))
	}
	if ok {
		ef.SwitchMs = ptr(round2(ms(switched - te)))
	}
	// A cut or a killed relay delivers nothing: the first probe echoed
	// after the event took a new path. A degraded link still delivers
	// some: count from the switch.
	from, haveFrom := te, true
	if e.Action != scenario.CutLink && e.Action != scenario.KillPop {
		from, haveFrom = switched, ok
	}
	windowEnd := tw
	if haveFrom {
		if sent, found := firstDelivered(f.Overlay, from, tw); found {
			ef.FailoverMs = ptr(round2(ms(sent - te)))
			windowEnd = sent
			if s, ok := fwd.at(sent); ok {
				ef.NewPath = s.path
			}
		}
	}
	if ef.FailoverMs == nil {
		ef.Note = "no probe delivered on a new path before the next event"
	}
	ef.Lost = lostIn(f.Overlay, te, windowEnd)
	ef.DirectLost = lostIn(f.Direct, te, windowEnd)
	return ef
}

// offTimes returns, for the affected histories, the first change after te
// (detection, 0 if none) and the time by which every one of them was on a
// reachable path avoiding el (ok false if some never was before tw).
func offTimes(affected []hist, el element, te, tw time.Duration) (detect, switched time.Duration, ok bool) {
	ok = true
	for _, h := range affected {
		changes := h.within(te, tw)
		if len(changes) > 0 && (detect == 0 || changes[0].at < detect) {
			detect = changes[0].at
		}
		i := slices.IndexFunc(changes, func(s span) bool { return len(s.path) > 0 && !el.hits(s.path) })
		if i < 0 {
			ok = false
			continue
		}
		switched = max(switched, changes[i].at)
	}
	return detect, switched, ok
}

// recovery measures how a flow moved (back) onto a recovered or improved
// element: when each direction did (typically after hysteresis) and
// whether that lost probes.
func (a *eventAnalyzer) recovery(e scenario.Event, f FlowInput, te, tw time.Duration) EventFlow {
	el := elementOf(e)
	fwd, rev := a.hs[[2]string{f.Ingress, f.Egress}], a.hs[[2]string{f.Egress, f.Ingress}]
	f0, _ := fwd.at(te)
	ef := EventFlow{OldPath: f0.path}
	onto := func(h hist) (span, bool) {
		for _, s := range h.within(te, tw) {
			if el.hits(s.path) {
				return s, true
			}
		}
		return span{}, false
	}
	fs, fok := onto(fwd)
	rs, rok := onto(rev)
	if !fok && !rok {
		ef.Note = "did not move onto " + e.Target()
		return ef
	}
	ef.Affected = true
	ef.Directions = directions(fok, rok)
	var at []time.Duration
	for _, s := range []struct {
		s  span
		ok bool
	}{{fs, fok}, {rs, rok}} {
		if s.ok {
			at = append(at, s.s.at)
		}
	}
	slices.Sort(at)
	first, last := at[0], at[len(at)-1]
	ef.DetectionMs = ptr(round2(ms(first - te)))
	ef.SwitchMs = ptr(round2(ms(last - te)))
	if s, ok := fwd.at(last); ok {
		ef.NewPath = s.path
	}
	ef.Lost = lostNear(f.Overlay, at, recoveryLossWindow)
	ef.DirectLost = lostNear(f.Direct, at, recoveryLossWindow)
	if fok {
		ef.Note = fs.reason
	} else {
		ef.Note = rs.reason
	}
	return ef
}

func directions(fwd, rev bool) string {
	switch {
	case fwd && rev:
		return "both"
	case fwd:
		return "forward"
	default:
		return "reverse"
	}
}
