package main

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/argonet/argo/api"
	"github.com/argonet/argo/pathcalc"
)

// routes returns the API's HTTP handler.
func (d *daemon) routes() http.Handler {
	mux := http.NewServeMux()
	log := d.log.With("sub", "api")
	mux.Handle(api.PathStatus, get(log, d.apiStatus))
	mux.Handle(api.PathPaths, get(log, d.apiPaths))
	mux.Handle(api.PathLinks, get(log, d.apiLinks))
	mux.Handle(api.PathPin, post(log, d.apiPin))
	mux.Handle(api.PathUnpin, post(log, d.apiUnpin))
	mux.Handle(api.PathPeers, get(log, d.apiPeers))
	mux.Handle(api.PathXDP, get(log, d.apiXDP))
	mux.Handle(api.PathBGP, get(log, d.apiBGP))
	mux.Handle(api.PathDrain, post(log, d.apiDrain))
	mux.Handle(api.PathUndrain, post(log, d.apiUndrain))
	mux.Handle(api.PathFilters, methods(log, map[string]http.Handler{
		http.MethodGet:    get(log, d.apiFilters),
		http.MethodPost:   post(log, d.apiFilterAdd),
		http.MethodDelete: del(log, d.apiFilterDel),
	}))
	mux.Handle(api.PathRate, methods(log, map[string]http.Handler{
		http.MethodGet:  get(log, d.apiRateLimits),
		http.MethodPost: post(log, d.apiRateLimitSet),
	}))
	return mux
}

func (d *daemon) apiStatus() (api.Status, error) {
	c := d.cfg.Load()
	tab := d.engine.Current()
	s := api.Status{
		PoP: c.PoP.Name, ID: c.PoP.ID, Version: version, ConfigFile: c.File,
		Started: d.started, UptimeSec: time.Since(d.started).Seconds(), Peers: len(c.Peers),
	}
	for _, ps := range d.prober.Snapshot() {
		if ps.Up {
			s.PeersUp++
		}
	}
	_, links := d.graph()
	s.Links = len(links)
	if tab != nil {
		s.Generation = tab.Generation
		for _, r := range tab.Routes() {
			if len(r.Primary.Nodes) > 1 {
				s.Reachable++
			}
		}
	}
	s.Healthy, s.Health = d.health(tab)
	for _, m := range d.gossip.Members() {
		s.Members = append(s.Members, api.Member{Name: m.Name, ID: m.ID, Address: m.Addr.String(), State: string(m.State)})
	}
	d.mu.Lock()
	s.Reloads, s.LastReload = d.reloads, d.lastReload
	d.mu.Unlock()
	return s, nil
}

// names converts a node list to PoP names.
func (d *daemon) names(nodes []uint16) []string {
	c := d.cfg.Load()
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = c.NameOf(n)
	}
	return out
}

func (d *daemon) apiPaths() ([]api.Route, error) {
	c := d.cfg.Load()
	tab := d.engine.Current()
	_, links := d.graph()
	byPair := make(map[[2]uint16]pathcalc.Link, len(links))
	for _, l := range links {
		byPair[[2]uint16{l.From, l.To}] = l
	}
	now := time.Now()
	var out []api.Route
	for _, p := range c.Resolved.Peers {
		r := api.Route{Dst: p.Name, DstID: p.ID}
		var pr *pathcalc.Route
		if tab != nil {
			pr = tab.Route(p.ID)
		}
		if pr == nil || len(pr.Primary.Nodes) < 2 {
			r.Reason = "no live path"
			if pr != nil {
				r.Reason = d.namedReason(pr.Reason)
				r.HeldSec = now.Sub(pr.Since).Seconds()
			}
			out = append(out, r)
			continue
		}
		r.Reachable = true
		r.Path = d.names(pr.Primary.Nodes)
		r.CostMs = pr.Primary.Cost
		deliver := 1.0
		for i := 0; i+1 < len(pr.Primary.Nodes); i++ {
			l := byPair[[2]uint16{pr.Primary.Nodes[i], pr.Primary.Nodes[i+1]}]
			r.RTTMs += msOf(l.RTT)
			r.JitterMs += msOf(l.Jitter)
			deliver *= 1 - l.Loss
		}
		r.LossRatio = 1 - deliver
		if bb := d.bb.Load(); bb != nil {
			for _, ps := range bb.PathStats() {
				if ps.Dst == p.ID && slices.Equal(ps.Nodes, pr.Primary.Nodes) && ps.Sent > 0 {
					rtt, loss := msOf(ps.RTT), ps.Loss
					r.ProbeRTTMs, r.ProbeLoss = &rtt, &loss
				}
			}
		}
		r.DirectCostMs, r.DirectUp = pr.DirectCost, pr.DirectUp
		if r.DirectUp {
			r.GainMs = r.DirectCostMs - r.CostMs
			if r.DirectCostMs > 0 {
				r.GainPct = 100 * r.GainMs / r.DirectCostMs
			}
		}
		r.Since = pr.Since
		r.HeldSec = now.Sub(pr.Since).Seconds()
		r.Reason = d.namedReason(pr.Reason)
		r.Pinned = pr.Pinned
		for _, b := range pr.Backups {
			r.Backups = append(r.Backups, api.Backup{Path: d.names(b.Nodes), CostMs: b.Cost})
		}
		out = append(out, r)
	}
	return out, nil
}

func (d *daemon) apiLinks() ([]api.Link, error) {
	c := d.cfg.Load()
	w := pathSettings(c).Weights
	now := time.Now()
	d.mu.Lock()
	localAt := d.localAt
	d.mu.Unlock()
	bias := biases(c)
	var out []api.Link
	for _, t := range d.gossip.Store().Snapshot() {
		_, received, _ := d.gossip.Store().Get(t.Origin)
		src, at := "gossip", received
		if t.Origin == c.PoP.ID {
			src, at = "local", localAt
		}
		for _, l := range t.Links {
			pl := pathcalc.Link{From: t.Origin, To: l.Peer, RTT: l.RTT, Jitter: l.Jitter, Loss: l.Loss, Up: l.Up,
				BiasMs: bias[[2]uint16{t.Origin, l.Peer}]}
			cost, _ := w.EdgeCost(pl)
			out = append(out, api.Link{
				From: c.NameOf(t.Origin), To: c.NameOf(l.Peer), FromID: t.Origin, ToID: l.Peer,
				Up: l.Up, RTTMs: msOf(l.RTT), JitterMs: msOf(l.Jitter), Loss: l.Loss,
				CostMs: cost, BiasMs: pl.BiasMs, AgeSec: now.Sub(at).Seconds(), Source: src,
			})
		}
	}
	return out, nil
}

func (d *daemon) apiPin(req api.PinRequest) (api.Route, error) {
	c := d.cfg.Load()
	dst, ok := c.IDOf(req.Dst)
	if !ok || dst == c.PoP.ID {
		return api.Route{}, badRequest{fmt.Errorf("dst: %q is not a peer PoP", req.Dst)}
	}
	var via []uint16
	for i, n := range req.Via {
		id, ok := c.IDOf(n)
		if !ok {
			return api.Route{}, badRequest{fmt.Errorf("via[%d]: %q is not a PoP", i, n)}
		}
		via = append(via, id)
	}
	if err := d.engine.Pin(dst, via); err != nil {
		return api.Route{}, badRequest{err}
	}
	d.log.Info("route pinned", "dst", req.Dst, "via", req.Via)
	d.recompute()
	return d.route(req.Dst)
}

func (d *daemon) apiUnpin(req api.UnpinRequest) (api.Route, error) {
	c := d.cfg.Load()
	dst, ok := c.IDOf(req.Dst)
	if !ok || dst == c.PoP.ID {
		return api.Route{}, badRequest{fmt.Errorf("dst: %q is not a peer PoP", req.Dst)}
	}
	d.engine.Unpin(dst)
	d.log.Info("route unpinned", "dst", req.Dst)
	d.recompute()
	return d.route(req.Dst)
}

// route returns the API view of the route to the PoP named dst.
func (d *daemon) route(dst string) (api.Route, error) {
	rs, err := d.apiPaths()
	if err != nil {
		return api.Route{}, err
	}
	for _, r := range rs {
		if r.Dst == dst {
			return r, nil
		}
	}
	return api.Route{}, notFound{errors.New("no route to " + dst)}
}

func (d *daemon) apiPeers() ([]api.Peer, error) {
	bb := d.bb.Load()
	if bb == nil {
		return nil, errors.New("backbone not running")
	}
	infos, err := bb.Peers()
	if err != nil {
		return nil, err
	}
	out := make([]api.Peer, 0, len(infos))
	for _, p := range infos {
		out = append(out, api.Peer{
			Name: p.Name, ID: p.ID, PublicKey: p.PublicKey, HandshakeAgeSec: ageOf(p.LastHandshake),
			RxBytes: p.RxBytes, TxBytes: p.TxBytes, AllowedIPs: p.AllowedIPs, Path: d.names(p.Path),
		})
	}
	return out, nil
}

var linkRE = regexp.MustCompile(`link (\d+)->(\d+)`)

// namedReason replaces pathcalc's "link 3->2" by PoP names: "link sin->fra".
func (d *daemon) namedReason(reason string) string {
	c := d.cfg.Load()
	return linkRE.ReplaceAllStringFunc(reason, func(m string) string {
		sub := linkRE.FindStringSubmatch(m)
		a, _ := strconv.Atoi(sub[1])
		b, _ := strconv.Atoi(sub[2])
		return "link " + c.NameOf(uint16(a)) + "->" + c.NameOf(uint16(b))
	})
}
