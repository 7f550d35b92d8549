package main

import (
	"fmt"
	"maps"
	"net/netip"
	"os"
	"slices"
	"time"

	"github.com/argonet/argo/config"
	"github.com/argonet/argo/pathcalc"
	"github.com/argonet/argo/prober"
	"github.com/argonet/argo/tunnel"
)

// This file wires the data plane: the WireGuard backbone (tunnel/) follows
// pathcalc's route table and the prefixes every PoP serves, and answers the
// prober's liveness echoes.

// echoAdapter lets the prober send its liveness echoes through the current
// backbone.
type echoAdapter struct{ d *daemon }

func (e echoAdapter) SendEcho(to prober.Target, seq uint16) error {
	return e.d.bb.Load().SendEcho(to.ID, seq)
}

// backbonePeersChanged reports whether the WireGuard peer set differs.
func backbonePeersChanged(old, c *config.Config) bool {
	a, b := backboneConfig(old, nil), backboneConfig(c, nil)
	return !slices.Equal(a.Peers, b.Peers) || a.Address != b.Address || a.PrivateKeyFile != b.PrivateKeyFile ||
		a.Interface != b.Interface || a.UnderlayMTU != b.UnderlayMTU || a.Probe != b.Probe
}

func onRampConfig(c *config.Config) tunnel.OnRampConfig {
	o := c.OnRamp
	rc := tunnel.OnRampConfig{
		Interface: o.Interface, PrivateKeyFile: o.PrivateKeyFile, ListenPort: o.ListenPort,
		Address: c.Resolved.OnRampAddr, MTU: o.MTU,
	}
	for _, cl := range c.Resolved.Clients {
		rc.Clients = append(rc.Clients, tunnel.Client{PublicKey: cl.PublicKey, AllowedIPs: cl.AllowedIPs})
	}
	return rc
}

func backboneConfig(c *config.Config, d *daemon) tunnel.Config {
	tc := tunnel.Config{
		ID:             c.PoP.ID,
		Name:           c.PoP.Name,
		Interface:      c.Overlay.Interface,
		PrivateKeyFile: c.Overlay.PrivateKeyFile,
		Address:        c.Resolved.OverlayAddr,
		Port:           c.Overlay.Port,
		UnderlayMTU:    c.Overlay.UnderlayMTU,
		Probe: tunnel.ProbeConfig{
			Interval: c.Overlay.ProbeInterval,
			Timeout:  c.Overlay.ProbeTimeout,
			LossDown: c.Overlay.ProbeLossDown,
		},
	}
	if d != nil {
		tc.OnPathDown = func(dst uint16, nodes []uint16) { d.pathState(dst, nodes, true) }
		tc.OnPathUp = func(dst uint16, nodes []uint16) { d.pathState(dst, nodes, false) }
	}
	for _, p := range c.Resolved.Peers {
		tc.Peers = append(tc.Peers, tunnel.Peer{
			ID: p.ID, Name: p.Name, PublicKey: p.PublicKey,
			Underlay: netip.AddrPortFrom(p.Underlay[0], c.Overlay.Port),
			Address:  p.OverlayAddr,
		})
	}
	return tc
}

// openBackbone creates the backbone device and hooks the prober to it.
func (d *daemon) openBackbone(c *config.Config) (*tunnel.Backbone, error) {
	if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1\n"), 0o644); err != nil {
		d.log.Warn("cannot enable IPv4 forwarding; this PoP cannot deliver to its origins", "err", err)
	}
	b, err := tunnel.New(backboneConfig(c, d), d.log.With("sub", "tunnel"), d.reg)
	if err != nil {
		return nil, fmt.Errorf("backbone: %w", err)
	}
	b.SetEchoHandler(d.prober.EchoReply)
	return b, nil
}

// pathState records what the in-band path probes say about a whole path.
func (d *daemon) pathState(dst uint16, nodes []uint16, down bool) {
	if err := d.engine.SetPathDown(dst, nodes, down); err != nil {
		d.log.Warn("path probe report ignored", "dst", dst, "path", nodes, "err", err)
		return
	}
	d.poke()
}

// syncDataPlane pushes a new route table and the served prefixes into the
// backbone when they changed.
func (d *daemon) syncDataPlane(tab *pathcalc.Table) {
	bb := d.bb.Load()
	if tab == nil || bb == nil {
		return
	}
	if tab.Generation != d.dpGeneration {
		var routes []tunnel.Route
		for _, r := range tab.Routes() {
			if len(r.Primary.Nodes) < 2 {
				continue
			}
			paths := [][]uint16{r.Primary.Nodes}
			for _, b := range r.Backups {
				paths = append(paths, b.Nodes)
			}
			routes = append(routes, tunnel.Route{Dst: r.Dst, Paths: paths})
		}
		if err := bb.SetRoutes(routes); err != nil {
			d.log.Error("backbone rejected the route table", "err", err, "generation", tab.Generation)
		} else {
			d.dpGeneration = tab.Generation
		}
	}
	served := map[uint16][]netip.Prefix{}
	self := d.cfg.Load().PoP.ID
	for _, t := range d.gossip.Store().Snapshot() {
		if t.Origin != self && len(t.Prefixes) > 0 {
			served[t.Origin] = t.Prefixes
		}
	}
	if !maps.EqualFunc(served, d.dpPrefixes, slices.Equal) {
		if err := bb.SetPrefixes(served); err != nil {
			d.log.Error("cannot install served prefixes", "err", err)
		} else {
			d.dpPrefixes = served
		}
	}
}

// ageOf formats a handshake age for the API.
func ageOf(t time.Time) float64 {
	if t.IsZero() {
		return -1
	}
	return time.Since(t).Seconds()
}
