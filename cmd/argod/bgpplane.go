package main

import (
	"context"
	"net/netip"
	"time"

	"github.com/argonet/argo/api"
	"github.com/argonet/argo/bgp"
	"github.com/argonet/argo/config"
)

// This file wires the anycast announcements: the BGP speaker follows the
// health rule, serves drain/undrain, and publishes origin prefixes learned
// from local routers through linkstate.

// startBGP starts the speaker when the bgp section is configured.
func (d *daemon) startBGP(ctx context.Context, c *config.Config) error {
	if c.BGP == nil {
		drained, err := loadDrain(drainFile(c))
		if err != nil {
			return err
		}
		if drained {
			d.drained.Store(true)
			d.log.Warn("drained since before the restart: no transit through this PoP; `argoctl undrain` ends it", "state", drainFile(c))
		}
		return nil
	}
	sp, err := bgp.New(c.Resolved.BGP, d.log.With("sub", "bgp"), d.reg)
	if err != nil {
		return err
	}
	sp.OnLearned(func(ps []netip.Prefix) {
		d.learned.Store(&ps)
		d.poke()
	})
	sp.SetHealth(false, "starting")
	if err := sp.Start(ctx); err != nil {
		return err
	}
	d.bgp = sp
	return nil
}

// stopBGP withdraws everything and waits for the neighbours to confirm it.
func (d *daemon) stopBGP() {
	if d.bgp == nil {
		return
	}
	c := d.cfg.Load()
	ctx, cancel := context.WithTimeout(context.Background(), c.Resolved.BGP.ShutdownTimeout+time.Second)
	defer cancel()
	if err := d.bgp.Shutdown(ctx); err != nil {
		d.log.Warn("BGP shutdown incomplete", "err", err)
	} else {
		d.log.Info("BGP announcements withdrawn")
	}
}

// isDrained reports the drain flag: the speaker's with BGP, else the
// in-memory one.
func (d *daemon) isDrained() bool {
	if d.bgp != nil {
		return d.bgp.Drained()
	}
	return d.drained.Load()
}

func (d *daemon) apiBGP() (api.BGP, error) {
	if d.bgp == nil {
		drain := bgp.DrainNone
		if d.drained.Load() {
			drain = bgp.DrainDrained
		}
		return api.BGP{Drain: string(drain)}, nil
	}
	s := d.bgp.Status()
	out := api.BGP{
		Enabled: true, Running: s.Running, ASN: s.ASN, RouterID: s.RouterID.String(),
		Healthy: s.Healthy, HealthReason: s.HealthReason, Drain: string(s.Drain),
	}
	if !s.WithdrawAt.IsZero() {
		t := s.WithdrawAt
		out.WithdrawAt = &t
	}
	for _, n := range s.Neighbors {
		out.Neighbors = append(out.Neighbors, api.BGPNeighbor{
			Address: n.Address.String(), ASN: n.ASN, State: n.State, UptimeSec: n.Uptime.Seconds(),
			PrefixesSent: n.PrefixesSent, PrefixesReceived: n.PrefixesReceived,
		})
	}
	for _, p := range s.Prefixes {
		out.Prefixes = append(out.Prefixes, api.BGPAnycast{Prefix: p.Prefix.String(), State: string(p.State), Prepend: p.Prepend, Reason: p.Reason})
	}
	for _, p := range s.Learned {
		out.Learned = append(out.Learned, p.String())
	}
	return out, nil
}

// apiDrain stops this PoP attracting traffic: its link table says
// "draining", so that every other PoP stops relaying through it (like the
// IS-IS overload bit; it stays reachable as a destination), and with BGP
// its anycast prefixes are prepended and then withdrawn after the grace
// period. The flag is kept across restarts (drainstate.go, or the BGP
// speaker's state file).
func (d *daemon) apiDrain(struct{}) (api.BGP, error) {
	if d.bgp != nil {
		if err := d.bgp.Drain(); err != nil {
			return api.BGP{}, err
		}
		d.log.Info("drain requested: no transit; BGP prepending, then withdrawing after the grace period")
	} else {
		if err := d.setDrained(true); err != nil {
			return api.BGP{}, err
		}
		d.log.Info("drain requested: no transit through this PoP")
	}
	d.poke() // the main loop publishes the flag within a tick
	return d.apiBGP()
}

func (d *daemon) apiUndrain(struct{}) (api.BGP, error) {
	if d.bgp != nil {
		if err := d.bgp.Undrain(); err != nil {
			return api.BGP{}, err
		}
	} else if err := d.setDrained(false); err != nil {
		return api.BGP{}, err
	}
	d.log.Info("undrain requested")
	d.poke()
	return d.apiBGP()
}
