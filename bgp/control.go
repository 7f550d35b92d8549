package bgp

import (
	"errors"
	"fmt"
	"time"

	"github.com/osrg/gobgp/v4/pkg/apiutil"
)

// retryInterval is how soon a route change that GoBGP refused is retried.
const retryInterval = time.Second

// SetHealth reports the PoP's health. Unhealthy withdraws the anycast
// prefixes at once; healthy announces them once the PoP has been healthy
// without interruption for Config.HoldDown. reason explains the state
// ("no live path to fra") and shows in Status. It may be called before
// Start.
func (s *Speaker) SetHealth(healthy bool, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	now := time.Now()
	if !s.health.reported || s.health.healthy != healthy {
		s.log.Info("bgp health changed", "healthy", healthy, "reason", reason)
		s.m.healthFlaps.Inc()
		s.health.since = now
	}
	s.health.reported, s.health.healthy, s.health.reason = true, healthy, reason
	if healthy {
		s.m.healthy.Set(1)
	} else {
		s.m.healthy.Set(0)
	}
	if s.started {
		s.reconcileLocked(now)
	}
}

// Drain starts draining: the anycast prefixes are re-announced with the AS
// path prepended Config.DrainPrepend times and withdrawn after
// Config.DrainGrace. The state is written to Config.StateFile first; if
// that fails nothing changes. Draining a drained speaker does nothing. If
// GoBGP refuses the route change, the error is returned, the drain state
// stands and the change is retried every second.
func (s *Speaker) Drain() error {
	return s.setDrain(true)
}

// Undrain ends a drain: the prefixes are announced normally again (subject
// to health). The state is written to Config.StateFile first; if that fails
// nothing changes.
func (s *Speaker) Undrain() error {
	return s.setDrain(false)
}

// setDrain persists and applies a drain state.
func (s *Speaker) setDrain(drained bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started || s.stopped {
		return errors.New("bgp: speaker not running")
	}
	if s.drain.Drained == drained {
		return nil
	}
	now := time.Now()
	rec := drainRecord{Drained: drained}
	if drained {
		rec.Since = now
	}
	if s.cfg.StateFile != "" {
		if err := saveState(s.cfg.StateFile, rec); err != nil {
			return fmt.Errorf("bgp: drain state not changed: %w", err)
		}
	}
	s.drain = rec
	if drained {
		s.log.Info("bgp drain started", "prepend", s.pol.prepend, "grace", s.pol.grace)
	} else {
		s.log.Info("bgp drain ended")
	}
	return s.reconcileLocked(now)
}

// reconcileLocked brings GoBGP's routes in line with the current decision
// and schedules the next change. s.mu must be held.
func (s *Speaker) reconcileLocked(now time.Time) error {
	d := decide(s.health, s.drain, s.pol, now)
	if s.stopped {
		d = decision{state: StateWithdrawn, why: whyShutDown, drain: d.drain}
	}
	var errs []error
	changed := 0
	for _, r := range s.routes {
		cur := s.applied[r.prefix]
		if cur.err == nil && cur.state == d.state && cur.prepend == d.prepend {
			continue
		}
		if err := s.applyRoute(r, d); err != nil {
			cur.err = err
			s.applied[r.prefix] = cur
			errs = append(errs, err)
			s.log.Error("bgp route change failed", "prefix", r.prefix, "state", d.state, "err", err)
			continue
		}
		s.applied[r.prefix] = applied{state: d.state, prepend: d.prepend, since: now}
		s.m.routeChanges.WithLabelValues(string(d.state)).Inc()
		changed++
	}
	if changed > 0 {
		s.log.Info("bgp anycast routes changed", "state", d.state, "reason", d.reason(), "prefixes", changed)
	}
	announced := 0
	for _, a := range s.applied {
		if a.state != StateWithdrawn {
			announced++
		}
	}
	s.m.announced.Set(float64(announced))
	s.m.setDrain(d.drain)

	next := d.next
	if len(errs) > 0 && !s.stopped && (next.IsZero() || next.After(now.Add(retryInterval))) {
		next = now.Add(retryInterval)
	}
	if !next.Equal(s.next) {
		s.next = next
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return errors.Join(errs...)
}

// applyRoute hands one route change to GoBGP.
func (s *Speaker) applyRoute(r route, d decision) error {
	if d.state == StateWithdrawn {
		p, err := r.withdrawal()
		if err != nil {
			return err
		}
		return s.srv.DeletePath(apiutil.DeletePathRequest{Paths: []*apiutil.Path{p}})
	}
	p, err := r.path(s.cfg.ASN, d.prepend, s.cfg.NextHop4, s.cfg.NextHop6)
	if err != nil {
		return err
	}
	_, err = s.srv.AddPath(apiutil.AddPathRequest{Paths: []*apiutil.Path{p}})
	return err
}

// timerLoop re-evaluates the decision when the hold-down or the drain grace
// ends (and retries refused changes).
func (s *Speaker) timerLoop() {
	defer s.bg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		s.mu.Lock()
		next := s.next
		s.mu.Unlock()
		timer.Stop()
		var fire <-chan time.Time
		if !next.IsZero() {
			timer.Reset(time.Until(next))
			fire = timer.C
		}
		select {
		case <-fire:
			s.mu.Lock()
			if !s.stopped {
				s.reconcileLocked(time.Now())
			}
			s.mu.Unlock()
		case <-s.wake:
		case <-s.done:
			return
		}
	}
}

// Drained reports whether the operator drained this PoP (draining or fully
// drained). It is cheap: it asks GoBGP nothing.
func (s *Speaker) Drained() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.drain.Drained
}
