package bgp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/server"
	"github.com/prometheus/client_golang/prometheus"
)

// Speaker is an embedded BGP speaker that announces the anycast prefixes of
// one PoP. Its methods are safe for concurrent use.
//
// Run one Speaker per process. GoBGP (still in v4.8.0) stores its
// route-selection options in package variables that every server writes
// when it starts and reads while it works; several speakers in one process
// work (they write the same values) but the race detector reports those
// accesses. Shutdown stops all of GoBGP's goroutines.
type Speaker struct {
	cfg    Config // validated, defaults applied
	log    *slog.Logger
	m      *metrics
	srv    *server.BgpServer // created by Start
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
// the speaker runs until Shutdown. On error nothing is left running.
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
	// The server is created here rather than in New because it starts a
	// goroutine (its BFD loop) at once, which only Stop ends.
	//
	// GoBGP v4 logs through the *slog.Logger it is given; the handler of
	// s.log decides what is written (nil LevelVar: GoBGP's SetLogLevel API,
	// which nothing here calls, changes nothing). It has no Fatal or Panic
	// level any more: where it finds one of its internal invariants
	// violated (a GoBGP bug) it calls panic itself and never os.Exit, so a
	// supervisor still sees the stack.
	s.srv = server.NewBgpServer(server.LoggerOption(s.log.With("lib", "gobgp"), nil))
	go s.srv.Serve() // GoBGP's event loop; Stop ends it
	if err := s.startServer(ctx); err != nil {
		s.srv.Stop()
		return fmt.Errorf("bgp: start: %w", err)
	}
	wctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	if err := s.watch(wctx); err != nil {
		cancel()
		s.srv.Stop()
		return fmt.Errorf("bgp: start: %w", err)
	}
	for _, n := range s.cfg.Neighbors {
		s.m.setSession(n.Address.String(), "idle")
		if err := s.srv.AddPeer(ctx, &api.AddPeerRequest{Peer: peerConfig(n)}); err != nil {
			cancel()
			s.srv.Stop()
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
		api.PolicyDirection_POLICY_DIRECTION_IMPORT: policyImport,
		api.PolicyDirection_POLICY_DIRECTION_EXPORT: policyExport,
	} {
		err := s.srv.AddPolicyAssignment(ctx, &api.AddPolicyAssignmentRequest{Assignment: &api.PolicyAssignment{
			Name:          globalTable,
			Direction:     dir,
			Policies:      []*api.Policy{{Name: name}},
			DefaultAction: api.RouteAction_ROUTE_ACTION_REJECT,
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
	err := s.srv.WatchEvent(ctx, server.WatchEventMessageCallbacks{
		OnPeerUpdate: func(ev *apiutil.WatchEventMessage_PeerEvent, _ time.Time) {
			if ev.Type != apiutil.PEER_EVENT_STATE {
				return
			}
			neighbor := ev.Peer.State.NeighborAddress.String()
			state := fsmStateName(ev.Peer.State.SessionState)
			s.m.setSession(neighbor, state)
			s.log.Debug("bgp session state", "neighbor", neighbor, "state", state)
		},
	}, server.WatchPeer())
	if err != nil {
		return fmt.Errorf("watching sessions: %w", err)
	}
	err = s.srv.WatchEvent(ctx, server.WatchEventMessageCallbacks{
		OnBestPath: func([]*apiutil.Path, time.Time) {
			select {
			case s.learnKick <- struct{}{}:
			default:
			}
		},
	}, server.WatchBestPath(false))
	if err != nil {
		return fmt.Errorf("watching the RIB: %w", err)
	}
	return nil
}
