package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/argonet/argo/api"
	"github.com/argonet/argo/sim/lab"
	"github.com/argonet/argo/sim/report"
	"github.com/argonet/argo/sim/scenario"
)

// playTimeline applies every event of the scenario at t0 + its time, until
// done or ctx ends, and returns what it did.
func (r *run) playTimeline(ctx context.Context, t0 time.Time) []report.AppliedEvent {
	var out []report.AppliedEvent
	timer := time.NewTimer(0)
	<-timer.C
	defer timer.Stop()
	for i, e := range r.lab.Scenario.Events {
		if wait := time.Until(t0.Add(e.At)); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return out
			case <-timer.C:
			}
		}
		ae := r.apply(ctx, i, e)
		r.metrics.events.WithLabelValues(string(e.Action), ae.Status).Inc()
		level := r.log.Info
		if ae.Status == report.Failed {
			level = r.log.Error
		}
		level("event", "at", e.At, "action", e.Action, "target", e.Target(), "status", ae.Status, "note", ae.Note,
			"took", ae.Done.Sub(t0.Add(e.At)).Round(time.Millisecond))
		out = append(out, ae)
	}
	return out
}

// apply carries out one event; Done is when it took effect.
func (r *run) apply(ctx context.Context, i int, e scenario.Event) report.AppliedEvent {
	ae := report.AppliedEvent{Index: i, Event: e, Status: report.Applied}
	err := r.do(ctx, e)
	ae.Done = time.Now()
	var skip *skipError
	switch {
	case errors.As(err, &skip):
		ae.Status, ae.Note = report.Skipped, skip.why
	case err != nil:
		ae.Status, ae.Note = report.Failed, err.Error()
	}
	return ae
}

// skipError marks an event that this argod cannot carry out.
type skipError struct{ why string }

func (e *skipError) Error() string { return e.why }

func (r *run) do(ctx context.Context, e scenario.Event) error {
	f := r.lab.Fabric
	switch e.Action {
	case scenario.SetLink:
		now := r.lab.Scenario.MatrixAt(e.At)
		return r.setLinks(e, now)
	case scenario.CutLink:
		return f.Cut(e.From, e.To, e.Symmetric)
	case scenario.RestoreLink:
		if err := r.setLinks(e, r.lab.Scenario.Matrix()); err != nil {
			return err
		}
		return f.Restore(e.From, e.To, e.Symmetric)
	case scenario.KillPop:
		return r.lab.Kill(e.Pop)
	case scenario.RestartPop:
		return r.lab.Start(ctx, e.Pop)
	case scenario.DrainPop:
		return r.drain(ctx, e.Pop, api.PathDrain)
	case scenario.UndrainPop:
		return r.drain(ctx, e.Pop, api.PathUndrain)
	}
	return fmt.Errorf("unknown action %q", e.Action)
}

// setLinks gives the event's link (both ways if symmetric) its parameters
// in matrix m.
func (r *run) setLinks(e scenario.Event, m scenario.Matrix) error {
	dirs := [][2]string{{e.From, e.To}}
	if e.Symmetric {
		dirs = append(dirs, [2]string{e.To, e.From})
	}
	for _, d := range dirs {
		i, _ := m.Index(d[0])
		j, _ := m.Index(d[1])
		if err := r.lab.Fabric.SetLink(d[0], d[1], lab.LinkParams(m.Link[i][j])); err != nil {
			return err
		}
	}
	return nil
}

// drain asks PoP pop's argod to drain (or undrain).
func (r *run) drain(ctx context.Context, pop, path string) error {
	c, err := r.lab.Client(pop)
	if err != nil {
		return err
	}
	err = drainVia(ctx, c, path)
	var skip *skipError
	if errors.As(err, &skip) {
		r.log.Warn("drain is not available on this argod; event skipped", "pop", pop, "why", skip.why)
	}
	return err
}

// drainVia posts a drain or undrain request: the PoP stops carrying transit
// (the simulator runs no BGP routers, so there is no anycast to withdraw).
// An older argod without the endpoint, or one that drains only with BGP,
// makes the event skipped, not failed.
func drainVia(ctx context.Context, c *api.Client, path string) error {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := c.Post(cctx, path, struct{}{}, nil)
	switch {
	case err == nil:
		return nil
	case strings.Contains(err.Error(), "404") || strings.Contains(err.Error(), "405"):
		return &skipError{why: "drain unsupported: argod has no " + path + " endpoint"}
	case strings.Contains(err.Error(), "not configured"):
		return &skipError{why: "drain unsupported here: " + err.Error() + " (the simulator runs no BGP routers; a drain only changes BGP announcements)"}
	}
	return err
}
