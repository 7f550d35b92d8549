package bgp

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"time"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// Status is a snapshot of the speaker for argoctl.
type Status struct {
	// Running is true between Start and Shutdown.
	Running  bool       `json:"running"`
	ASN      uint32     `json:"asn"`
	RouterID netip.Addr `json:"router_id"`
	// Healthy and HealthReason are the latest report from SetHealth;
	// HealthSince is when the current healthy/unhealthy period began.
	Healthy      bool      `json:"healthy"`
	HealthReason string    `json:"health_reason"`
	HealthSince  time.Time `json:"health_since,omitzero"`
	// Drain is none, draining or drained; DrainSince is when Drain was
	// called and WithdrawAt when a draining speaker withdraws.
	Drain      DrainMode `json:"drain"`
	DrainSince time.Time `json:"drain_since,omitzero"`
	WithdrawAt time.Time `json:"withdraw_at,omitzero"`

	Neighbors []NeighborStatus `json:"neighbors"`
	Prefixes  []PrefixStatus   `json:"prefixes"`
	// Learned are the origin prefixes learned from LearnOrigins neighbours.
	Learned []netip.Prefix `json:"learned"`
}

// NeighborStatus describes one BGP session.
type NeighborStatus struct {
	Address netip.Addr `json:"address"`
	ASN     uint32     `json:"asn"`
	// State is the FSM state: idle, connect, active, opensent,
	// openconfirm or established.
	State string `json:"state"`
	// Uptime is how long the session has been established (0 when not).
	Uptime           time.Duration `json:"uptime"`
	PrefixesSent     uint64        `json:"prefixes_sent"`
	PrefixesReceived uint64        `json:"prefixes_received"`
	// LearnOrigins tells whether the received prefixes are learned as
	// origin prefixes (otherwise they are rejected on import).
	LearnOrigins bool `json:"learn_origins"`
}

// PrefixStatus describes one anycast prefix.
type PrefixStatus struct {
	Prefix netip.Prefix `json:"prefix"`
	// State is what the neighbours are told: announced, prepended or
	// withdrawn.
	State   PrefixState `json:"state"`
	Prepend int         `json:"prepend,omitempty"`
	// Reason explains the state: "healthy for 5s", "unhealthy: no live
	// path to fra", "holding down: healthy for 2s of 5s", "draining:
	// prepended x3, withdraw in 12s", "drained".
	Reason string `json:"reason"`
	// Since is when the state last changed.
	Since       time.Time `json:"since,omitzero"`
	Communities []string  `json:"communities,omitempty"`
	// Error is the last change GoBGP refused (it is retried).
	Error string `json:"error,omitempty"`
}

// Status returns a snapshot of the health, drain, sessions and prefixes.
func (s *Speaker) Status() Status {
	now := time.Now()
	s.mu.Lock()
	running := s.started && !s.stopped
	d := decide(s.health, s.drain, s.pol, now)
	if s.stopped {
		d.why = whyShutDown
	}
	reason := d.reason()
	st := Status{
		Running:      running,
		ASN:          s.cfg.ASN,
		RouterID:     s.cfg.RouterID,
		Healthy:      s.health.reported && s.health.healthy,
		HealthReason: s.health.reason,
		HealthSince:  s.health.since,
		Learned:      slices.Clone(s.learned),
	}
	st.Drain, st.WithdrawAt = drainMode(s.drain, s.pol, now)
	st.DrainSince = s.drain.Since
	for i, r := range s.routes {
		a := s.applied[r.prefix]
		ps := PrefixStatus{
			Prefix:      r.prefix,
			State:       a.state,
			Prepend:     a.prepend,
			Reason:      reason,
			Since:       a.since,
			Communities: slices.Clone(s.cfg.Anycast[i].Communities),
		}
		if a.err != nil {
			ps.Error = a.err.Error()
		}
		st.Prefixes = append(st.Prefixes, ps)
	}
	s.mu.Unlock()

	st.Neighbors = s.neighborStatus(running, now)
	return st
}

// neighborStatus asks GoBGP about the sessions; the configuration alone
// when the server is not running.
func (s *Speaker) neighborStatus(running bool, now time.Time) []NeighborStatus {
	byAddr := make(map[netip.Addr]*api.Peer)
	if running {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		s.srv.ListPeer(ctx, &api.ListPeerRequest{EnableAdvertised: true}, func(p *api.Peer) {
			if a, err := netip.ParseAddr(p.GetConf().GetNeighborAddress()); err == nil {
				byAddr[a.Unmap()] = p
			}
		})
	}
	out := make([]NeighborStatus, 0, len(s.cfg.Neighbors))
	for _, n := range s.cfg.Neighbors {
		ns := NeighborStatus{Address: n.Address, ASN: n.PeerASN, State: "stopped", LearnOrigins: n.LearnOrigins}
		if p, ok := byAddr[n.Address]; ok {
			ns.State = sessionStateName(p.GetState().GetSessionState())
			if up := p.GetTimers().GetState().GetUptime(); ns.State == "established" && up != nil {
				ns.Uptime = now.Sub(up.AsTime()).Truncate(time.Second)
			}
			for _, af := range p.AfiSafis {
				ns.PrefixesSent += af.GetState().GetAdvertised()
				ns.PrefixesReceived += af.GetState().GetReceived()
			}
		}
		out = append(out, ns)
	}
	return out
}

// sessionStateName renders a session state from GoBGP's ListPeer in lower
// case: idle, connect, active, opensent, openconfirm or established.
func sessionStateName(st api.PeerState_SessionState) string {
	return strings.ToLower(strings.TrimPrefix(st.String(), "SESSION_STATE_"))
}

// fsmStateName renders a session state from GoBGP's peer events like
// sessionStateName.
func fsmStateName(st bgp.FSMState) string {
	return strings.ToLower(strings.TrimPrefix(st.String(), "BGP_FSM_"))
}
