package main

import (
	"time"

	"github.com/argonet/argo/config"
	"github.com/argonet/argo/linkstate"
	"github.com/argonet/argo/pathcalc"
	"github.com/argonet/argo/prober"
)

// This file translates the configuration into each subsystem's settings.

func probeSettings(c *config.Config) prober.Settings {
	s := prober.DefaultSettings()
	s.Interval = c.Probe.Interval
	s.MinTimeout = c.Probe.MinTimeout
	s.MaxTimeout = c.Probe.MaxTimeout
	s.DownAfter = c.Probe.DownAfter
	s.UpAfter = c.Probe.UpAfter
	s.RTTWindow = min(c.Probe.Window, prober.MaxWindow)
	s.LossWindow = min(c.Probe.Window, prober.MaxWindow)
	return s
}

func targets(c *config.Config) []prober.Target {
	ts := make([]prober.Target, 0, len(c.Resolved.Peers))
	for _, p := range c.Resolved.Peers {
		ts = append(ts, prober.Target{ID: p.ID, Name: p.Name, Addr: p.Underlay[0]})
	}
	return ts
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func pathSettings(c *config.Config) pathcalc.Settings {
	s := pathcalc.DefaultSettings()
	s.MaxHops = c.Path.MaxHops
	s.Weights.JitterFactor = c.Path.JitterFactor
	s.Weights.LossPenaltyMs = msOf(c.Path.RetransmitPenalty)
	s.Weights.RelayCostMs = msOf(c.Path.RelayCost)
	s.Weights.MaxLoss = c.Path.MaxLoss
	s.Hysteresis.RelMargin = c.Path.HysteresisRelative
	s.Hysteresis.AbsMarginMs = msOf(c.Path.HysteresisAbsolute)
	s.Hysteresis.Hold = c.Path.HysteresisHold
	s.Hysteresis.Settle = c.Path.HysteresisSettle
	return s
}

func gossipConfig(c *config.Config, key []byte, onChange func()) linkstate.Config {
	return linkstate.Config{
		Self:            c.PoP.ID,
		Name:            c.PoP.Name,
		Bind:            c.Resolved.GossipBind,
		Seeds:           c.Resolved.Seeds,
		Key:             key,
		RefreshInterval: c.Gossip.RefreshInterval,
		TTL:             c.Gossip.TTL,
		Threshold: linkstate.Threshold{
			Relative: c.Gossip.ChangeRelative,
			Absolute: c.Gossip.ChangeAbsolute,
			Loss:     c.Gossip.ChangeLoss,
		},
		OnChange: onChange,
	}
}

// biases returns the configured operator bias per directed link.
func biases(c *config.Config) map[[2]uint16]float64 {
	m := map[[2]uint16]float64{}
	for _, b := range c.Path.Bias {
		from, _ := c.IDOf(b.From)
		to, _ := c.IDOf(b.To)
		m[[2]uint16{from, to}] += msOf(b.Cost)
	}
	return m
}
