package bgp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	api "github.com/osrg/gobgp/v3/api"
	"github.com/osrg/gobgp/v3/pkg/server"
	"github.com/prometheus/client_golang/prometheus"
)

// retryInterval is how soon a route change that GoBGP refused is retried.
const retryInterval = time.Second

// Speaker is an embedded BGP speaker that announces the anycast prefixes of
// one PoP. Its methods are safe for concurrent use.
//
// Run one Speaker per process. GoBGP v3 stores its route-selection options
// in package variables that every server writes when it starts; several
// speakers in one process work (they write the same values) but the race
// detector reports those writes. GoBGP's event loop goroutine cannot be
// stopped and stays parked after Shutdown.
type Speaker struct {
	cfg    Config // validated, defaults applied
	log    *slog.Logger
	m      *metrics
	srv    *server.BgpServer
	routes []route
	pol    policy
	learn  map[netip.Addr]bool // LearnOrigins neighbours

	mu        sync.Mutex
	started   bool
	stopped   bool
	health    healthState
	drain     drainRecord
	applied   map[netip.Prefix]applied
	next      time.Time // when the decision changes by itself
	learned   []netip.Prefix
	onLearned func([]netip.Prefix)

	wake      chan struct{} // the deadline changed
	learnKick chan struct{} // the RIB changed
	done      chan struct{} // closed by Shutdown
	cancel    context.CancelFunc
	bg        sync.WaitGroup
}

// applied is what GoBGP currently has for one anycast prefix.
type applied struct {
	state   PrefixState
	prepend int
	since   time.Time
	err     error // the last change GoBGP refused, retried
}

// New checks cfg and prepares a speaker; nothing touches the network until
// Start. log receives the speaker's and GoBGP's messages; the metrics are
// registered with reg (nil: not registered).
func New(cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Speaker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		return nil, errors.New("bgp: nil logger")
	}
	cfg = cfg.withDefaults()
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	routes := make([]route, len(cfg.Anycast))
	for i, a := range cfg.Anycast {
		if routes[i], err = newRoute(a); err != nil {
			return nil, err
		}
	}
	learn := make(map[netip.Addr]bool)
	for _, n := range cfg.Neighbors {
		if n.LearnOrigins {
			learn[n.Address] = true
		}
	}
	s := &Speaker{
		cfg:       cfg,
		log:       log,
		m:         m,
		srv:       server.NewBgpServer(server.LoggerOption(newSlogAdapter(log.With("lib", "gobgp")))),
		routes:    routes,
		pol:       policy{holdDown: cfg.HoldDown, grace: cfg.DrainGrace, prepend: cfg.DrainPrepend},
		learn:     learn,
		applied:   make(map[netip.Prefix]applied, len(routes)),
		wake:      make(chan struct{}, 1),
		learnKick: make(chan struct{}, 1),
		done:      make(chan struct{}),
	}
	for _, r := range routes {
		s.applied[r.prefix] = applied{state: StateWithdrawn}
	}
	return s, nil
}

// Start restores the drain state from the state file, starts the BGP
// server (listener, policies, neighbours) and announces the anycast
// prefixes as soon as the health rule allows. ctx bounds the start-up only;
// the speaker runs until Shutdown. On error nothing is left running except
// GoBGP's idle event loop.
func (s *Speaker) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.stopped {
		return errors.New("bgp: speaker already started or shut down")
	}
	var rec drainRecord
	if s.cfg.StateFile != "" {
		var err error
		if rec, err = loadState(s.cfg.StateFile); err != nil {
			return fmt.Errorf("bgp: %w", err)
		}
	}
	go s.srv.Serve() // GoBGP's event loop; it has no way to return
	if err := s.startServer(ctx); err != nil {
		s.srv.StopBgp(context.Background(), &api.StopBgpRequest{})
		return fmt.Errorf("bgp: start: %w", err)
	}
	wctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	if err := s.watch(wctx); err != nil {
		cancel()
		s.srv.StopBgp(context.Background(), &api.StopBgpRequest{})
		return fmt.Errorf("bgp: start: %w", err)
	}
	for _, n := range s.cfg.Neighbors {
		s.m.setSession(n.Address.String(), "idle")
		if err := s.srv.AddPeer(ctx, &api.AddPeerRequest{Peer: peerConfig(n)}); err != nil {
			cancel()
			s.srv.StopBgp(context.Background(), &api.StopBgpRequest{})
			return fmt.Errorf("bgp: start: neighbour %s: %w", n.Address, err)
		}
	}
	s.drain = rec
	s.started = true
	mode, _ := drainMode(rec, s.pol, time.Now())
	s.log.Info("bgp speaker started", "asn", s.cfg.ASN, "router_id", s.cfg.RouterID,
		"neighbors", len(s.cfg.Neighbors), "anycast", len(s.routes), "drain", mode)
	s.reconcileLocked(time.Now())
	s.bg.Add(2)
	go s.timerLoop()
	go s.learnLoop(wctx)
	return nil
}

// startServer starts GoBGP and installs the import and export policies.
func (s *Speaker) startServer(ctx context.Context) error {
	if err := s.srv.StartBgp(ctx, &api.StartBgpRequest{Global: globalConfig(s.cfg)}); err != nil {
		return err
	}
	learn := make([]netip.Addr, 0, len(s.learn))
	for _, n := range s.cfg.Neighbors {
		if n.LearnOrigins {
			learn = append(learn, n.Address)
		}
	}
	if len(learn) > 0 {
		if err := s.srv.AddDefinedSet(ctx, &api.AddDefinedSetRequest{DefinedSet: learnSet(learn)}); err != nil {
			return fmt.Errorf("neighbour set: %w", err)
		}
	}
	for _, p := range []*api.Policy{importPolicy(learn), exportPolicy()} {
		if err := s.srv.AddPolicy(ctx, &api.AddPolicyRequest{Policy: p}); err != nil {
			return fmt.Errorf("policy %s: %w", p.Name, err)
		}
	}
	for dir, name := range map[api.PolicyDirection]string{
		api.PolicyDirection_IMPORT: policyImport,
		api.PolicyDirection_EXPORT: policyExport,
	} {
		err := s.srv.AddPolicyAssignment(ctx, &api.AddPolicyAssignmentRequest{Assignment: &api.PolicyAssignment{
			Name:          globalTable,
			Direction:     dir,
			Policies:      []*api.Policy{{Name: name}},
			DefaultAction: api.RouteAction_REJECT,
		}})
		if err != nil {
			return fmt.Errorf("policy assignment %s: %w", name, err)
		}
	}
	return nil
}

// watch subscribes to session state changes (metrics) and best-path
// changes (learned prefixes).
func (s *Speaker) watch(ctx context.Context) error {
	err := s.srv.WatchEvent(ctx, &api.WatchEventRequest{Peer: &api.WatchEventRequest_Peer{}}, func(r *api.WatchEventResponse) {
		ev := r.GetPeer()
		if ev == nil || ev.Type != api.WatchEventResponse_PeerEvent_STATE || ev.Peer.GetState() == nil {
			return
		}
		st := ev.Peer.State
		state := sessionStateName(st.SessionState)
		s.m.setSession(st.NeighborAddress, state)
		s.log.Debug("bgp session state", "neighbor", st.NeighborAddress, "state", state)
	})
	if err != nil {
		return fmt.Errorf("watching sessions: %w", err)
	}
	err = s.srv.WatchEvent(ctx, &api.WatchEventRequest{Table: &api.WatchEventRequest_Table{
		Filters: []*api.WatchEventRequest_Table_Filter{{Type: api.WatchEventRequest_Table_Filter_BEST}},
	}}, func(*api.WatchEventResponse) {
		select {
		case s.learnKick <- struct{}{}:
		default:
		}
	})
	if err != nil {
		return fmt.Errorf("watching the RIB: %w", err)
	}
	return nil
}

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
// that fails nothing changes. Draining a drained speaker does nothing.
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
	ctx := context.Background()
	if d.state == StateWithdrawn {
		p, err := r.withdrawal()
		if err != nil {
			return err
		}
		return s.srv.DeletePath(ctx, &api.DeletePathRequest{TableType: api.TableType_GLOBAL, Family: p.Family, Path: p})
	}
	p, err := r.path(s.cfg.ASN, d.prepend, s.cfg.NextHop4, s.cfg.NextHop6)
	if err != nil {
		return err
	}
	_, err = s.srv.AddPath(ctx, &api.AddPathRequest{TableType: api.TableType_GLOBAL, Path: p})
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
