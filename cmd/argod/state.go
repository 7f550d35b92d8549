package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/argonet/argo/linkstate"
	"github.com/argonet/argo/pathcalc"
)

// publish hands this PoP's current link table to gossip, which broadcasts it
// when it changed significantly and refreshes it periodically otherwise.
func (d *daemon) publish() {
	c := d.cfg.Load()
	snap := d.prober.Snapshot()
	t := linkstate.Table{Origin: c.PoP.ID, Prefixes: slices.Clone(c.Resolved.Prefixes)}
	if l := d.learned.Load(); l != nil {
		t.Prefixes = append(t.Prefixes, (*l)...)
	}
	t.Draining = d.isDrained()
	if d.onramp != nil {
		// Return traffic to on-ramp clients must come back to this PoP.
		t.Prefixes = append(t.Prefixes, d.onramp.Prefixes()...)
	}
	for _, ps := range snap {
		t.Links = append(t.Links, linkstate.Link{
			Peer:   ps.Target.ID,
			RTT:    ps.ICMP.SRTT,
			Jitter: ps.ICMP.Jitter,
			Loss:   ps.ICMP.Loss,
			Up:     ps.Up,
		})
	}
	t.Normalize()
	if err := d.gossip.Publish(t); err != nil {
		d.log.Error("cannot publish the local link table", "err", err)
	}
	d.mu.Lock()
	d.localAt = time.Now()
	d.mu.Unlock()
}

// graph collects every PoP's links from the link-state store.
func (d *daemon) graph() (nodes []uint16, links []pathcalc.Link) {
	c := d.cfg.Load()
	bias := biases(c)
	seen := map[uint16]bool{c.PoP.ID: true}
	nodes = append(nodes, c.PoP.ID)
	add := func(id uint16) {
		if !seen[id] {
			seen[id] = true
			nodes = append(nodes, id)
		}
	}
	for _, p := range c.Resolved.Peers {
		add(p.ID)
	}
	for _, t := range d.gossip.Store().Snapshot() {
		add(t.Origin)
		// A draining PoP carries no transit: its outgoing links are
		// left out of paths (it stays a destination).
		draining := t.Draining && t.Origin != c.PoP.ID
		for _, l := range t.Links {
			add(l.Peer)
			links = append(links, pathcalc.Link{
				From: t.Origin, To: l.Peer, RTT: l.RTT, Jitter: l.Jitter, Loss: l.Loss, Up: l.Up,
				BiasMs: bias[[2]uint16{t.Origin, l.Peer}], Draining: draining,
			})
		}
	}
	slices.Sort(nodes)
	return nodes, links
}

// recompute rebuilds the graph and lets pathcalc publish a new route table.
func (d *daemon) recompute() {
	d.recomputeMu.Lock()
	defer d.recomputeMu.Unlock()
	start := time.Now()
	nodes, links := d.graph()
	tab, err := d.engine.Update(nodes, links, start)
	if err != nil {
		// Bad input from gossip was already rejected by linkstate; an error
		// here means an inconsistent graph. Keep the previous table.
		d.log.Error("route computation failed; keeping the previous routes", "err", err)
		tab = d.engine.Current()
	}
	d.syncDataPlane(tab)
	d.metrics.recomputes.Inc()
	d.metrics.recomputeDur.Observe(time.Since(start).Seconds())
	ok, why := d.health(tab)
	if d.bgp != nil {
		d.bgp.SetHealth(ok, why)
	}
	if ok {
		d.metrics.healthy.Set(1)
	} else {
		d.metrics.healthy.Set(0)
	}
}

// health applies the default health rule: the overlay reaches at least one
// other PoP, and every PoP that serves an origin prefix has a live path.
func (d *daemon) health(tab *pathcalc.Table) (bool, string) {
	c := d.cfg.Load()
	if tab == nil {
		return false, "no route table yet"
	}
	reach := 0
	for _, r := range tab.Routes() {
		if r.Dst != c.PoP.ID && len(r.Primary.Nodes) > 1 {
			reach++
		}
	}
	if reach == 0 {
		return false, "the overlay reaches no other PoP"
	}
	for _, t := range d.gossip.Store().Snapshot() {
		if t.Origin == c.PoP.ID || len(t.Prefixes) == 0 {
			continue
		}
		if r := tab.Route(t.Origin); r == nil || len(r.Primary.Nodes) < 2 {
			return false, fmt.Sprintf("no live path to %s, which serves %s", c.NameOf(t.Origin), t.Prefixes[0])
		}
	}
	return true, fmt.Sprintf("reaches %d PoPs and every origin-serving PoP", reach)
}
