package main

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/argonet/argo/api"
	"github.com/argonet/argo/config"
	"github.com/argonet/argo/xdp"
)

// This file wires the XDP fast path: load the program on the underlay
// interface, keep its PoP address map in sync with the configuration, and
// serve the filter API. Without XDP the userspace relay in tunnel/ does the
// same forwarding.

// openXDP loads the XDP program; when XDP is unavailable argod logs why and
// continues with the userspace relay alone.
func (d *daemon) openXDP(c *config.Config) error {
	if c.XDP == nil || c.XDP.Mode == "off" {
		d.xdpReason = "not configured (xdp.mode off): transit packets take the userspace relay"
		d.log.Info("XDP off; the userspace relay forwards transit packets")
		return nil
	}
	xc := xdp.Config{
		PopName: c.PoP.Name, PopID: c.PoP.ID, Interface: c.XDP.Interface, OverlayPort: c.Overlay.Port,
		Mode: xdp.Mode(c.XDP.Mode), KeepOnExit: c.XDP.KeepOnExit, ZeroUDPChecksum: c.XDP.ZeroUDPChecksum,
		Egress: c.XDP.Egress, PinRoot: c.XDP.PinRoot,
	}
	x, err := xdp.Load(xc, d.log.With("sub", "xdp"), d.reg)
	if errors.Is(err, xdp.ErrUnavailable) {
		d.xdpReason = err.Error()
		d.log.Warn("XDP cannot load; the userspace relay forwards transit packets", "err", err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("xdp: %w", err)
	}
	if err := d.syncXDP(x, c); err != nil {
		x.Close()
		return err
	}
	d.xdp = x
	d.log.Info("XDP fast path running", "mode", x.Mode(), "interface", c.XDP.Interface)
	return nil
}

// syncXDP installs the PoP address map, the configured blocklist entries and
// rate limits.
func (d *daemon) syncXDP(x *xdp.XDP, c *config.Config) error {
	pops := map[uint16]netip.Addr{}
	for _, a := range c.Resolved.Underlay {
		if a.Is4() {
			pops[c.PoP.ID] = a
			break
		}
	}
	for _, p := range c.Resolved.Peers {
		for _, a := range p.Underlay {
			if a.Is4() {
				pops[p.ID] = a
				break
			}
		}
	}
	if err := x.SetPoPs(pops); err != nil {
		return fmt.Errorf("xdp: PoP addresses: %w", err)
	}
	for _, p := range c.Resolved.Blocklist {
		if err := x.AddBlock(p); err != nil {
			return fmt.Errorf("xdp.blocklist: %s: %w", p, err)
		}
	}
	if c.XDP != nil {
		for _, r := range c.XDP.RateLimits {
			if err := x.SetRateLimit(r.Port, r.PPS, r.Burst); err != nil {
				return fmt.Errorf("xdp.ratelimits: port %d: %w", r.Port, err)
			}
		}
	}
	return nil
}

func (d *daemon) apiXDP() (api.XDP, error) {
	out := api.XDP{Mode: "off", Reason: d.xdpReason}
	if d.xdp != nil {
		out.Mode, out.Reason = d.xdp.Mode(), ""
		out.Interface = d.cfg.Load().XDP.Interface
		cs, err := d.xdp.Counters()
		if err != nil {
			return out, err
		}
		for i, s := range cs {
			c := xdp.Counter(i)
			out.Counters = append(out.Counters, api.XDPCounter{Action: c.Action(), Reason: c.Reason(), Packets: s.Packets, Bytes: s.Bytes})
		}
	}
	if bb := d.bb.Load(); bb != nil {
		s := bb.Stats()
		out.Userspace = api.Relay{Received: s.Received, Delivered: s.Delivered, Relayed: s.Relayed, Sent: s.Sent, Drops: s.Drops}
	}
	return out, nil
}

var errNoXDP = errors.New("XDP is not running on this PoP (see argoctl xdp)")

func (d *daemon) apiFilters() ([]api.Filter, error) {
	if d.xdp == nil {
		return nil, errNoXDP
	}
	es, err := d.xdp.Blocklist()
	if err != nil {
		return nil, err
	}
	out := make([]api.Filter, 0, len(es))
	for _, e := range es {
		out = append(out, api.Filter{Prefix: e.Prefix.String(), Hits: e.Hits})
	}
	return out, nil
}

func parseFilter(req api.FilterRequest) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(req.Prefix)
	if err != nil {
		return p, badRequest{fmt.Errorf("prefix: %v", err)}
	}
	if p != p.Masked() {
		return p, badRequest{fmt.Errorf("prefix: %s has host bits set (did you mean %s?)", p, p.Masked())}
	}
	return p, nil
}

func (d *daemon) apiFilterAdd(req api.FilterRequest) ([]api.Filter, error) {
	p, err := parseFilter(req)
	if err != nil {
		return nil, err
	}
	if d.xdp == nil {
		return nil, errNoXDP
	}
	if err := d.xdp.AddBlock(p); err != nil {
		return nil, badRequest{err}
	}
	d.log.Info("blocklist entry added", "prefix", p)
	return d.apiFilters()
}

func (d *daemon) apiFilterDel(req api.FilterRequest) ([]api.Filter, error) {
	p, err := parseFilter(req)
	if err != nil {
		return nil, err
	}
	if d.xdp == nil {
		return nil, errNoXDP
	}
	if err := d.xdp.DelBlock(p); err != nil {
		if errors.Is(err, xdp.ErrNotFound) {
			return nil, notFound{fmt.Errorf("prefix %s is not in the blocklist", p)}
		}
		return nil, badRequest{err}
	}
	d.log.Info("blocklist entry removed", "prefix", p)
	return d.apiFilters()
}

func (d *daemon) apiRateLimits() ([]api.RateLimit, error) {
	if d.xdp == nil {
		return nil, errNoXDP
	}
	rs, err := d.xdp.RateLimits()
	if err != nil {
		return nil, err
	}
	out := make([]api.RateLimit, 0, len(rs))
	for _, r := range rs {
		out = append(out, api.RateLimit{Port: r.Port, PPS: r.PPS, Burst: r.Burst, Drops: r.Drops})
	}
	return out, nil
}

func (d *daemon) apiRateLimitSet(req api.RateLimit) ([]api.RateLimit, error) {
	if d.xdp == nil {
		return nil, errNoXDP
	}
	if req.PPS == 0 {
		// pps 0 deletes the limit.
		if err := d.xdp.DelRateLimit(req.Port); err != nil {
			if errors.Is(err, xdp.ErrNotFound) {
				return nil, notFound{fmt.Errorf("no rate limit on port %d", req.Port)}
			}
			return nil, badRequest{err}
		}
	} else if err := d.xdp.SetRateLimit(req.Port, req.PPS, req.Burst); err != nil {
		return nil, badRequest{err}
	}
	d.log.Info("rate limit changed", "port", req.Port, "pps", req.PPS, "burst", req.Burst)
	return d.apiRateLimits()
}
