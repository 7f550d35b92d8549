package linkstate

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/prometheus/client_golang/prometheus"
)

const (
	// maxGossipMessage is the largest message sent through the broadcast
	// queue. memberlist packs queued messages into UDP packets of at most
	// 1400 bytes minus framing, label and encryption overhead (~1350), and
	// its own membership messages share that space. Larger tables are sent
	// directly over TCP.
	maxGossipMessage = 1024
	// memberlistLabel keeps argo gossip apart from any other memberlist
	// cluster on the same addresses.
	memberlistLabel = "argo-linkstate"
	// deadNodeReclaim lets a restarted PoP rejoin under its old name from a
	// new address once its old incarnation has been dead this long.
	deadNodeReclaim = 10 * time.Second
	// maxVersionAhead bounds how far in the future (in wall-clock
	// nanoseconds) a version of our own table seen in the network may be for
	// us to continue above it after a restart.
	maxVersionAhead = uint64(24 * time.Hour)
	// rejectLogEvery rate-limits the log line per rejection reason.
	rejectLogEvery = 10 * time.Second
)

// Gossip publishes this PoP's link table to every other PoP through a
// memberlist cluster and keeps the newest table of every PoP in a Store.
type Gossip struct {
	cfg     Config
	log     *slog.Logger
	metrics *metrics
	store   *Store
	book    *memberBook
	rejects *rateLimit
	queue   *broadcastQueue
	fan     *fanout
	ml      *memberlist.Memberlist

	namesMu sync.RWMutex
	names   map[uint16]string // origin -> node name the table came from

	pubMu      sync.Mutex // serialises Publish and refresh
	current    Table      // newest own table (with version)
	hasCurrent bool
	lastSent   Table
	hasSent    bool
	lastSentAt time.Time
	version    uint64        // last own version assigned
	seenSelf   atomic.Uint64 // highest own version seen from the network
	leaving    atomic.Bool   // set in node meta by Shutdown

	changed  chan struct{}
	stop     chan struct{}
	wg       sync.WaitGroup
	stopOnce sync.Once
	shutOnce sync.Once
	shutErr  error
}

// New starts gossiping: it creates the memberlist (bound to cfg.Bind,
// encrypted with cfg.Key) and joins cfg.Seeds in the background, retrying
// unreachable seeds every ReconnectInterval. log may be nil (discard); reg may
// be nil (metrics are then not exported).
func New(cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Gossip, error) {
	return newGossip(cfg, log, reg, nil)
}

// wrapTransport lets tests interpose on memberlist's network transport (to
// cut the network between members); nil in production.
type wrapTransport func(memberlist.NodeAwareTransport) memberlist.NodeAwareTransport

func newGossip(cfg Config, log *slog.Logger, reg prometheus.Registerer, wrap wrapTransport) (*Gossip, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	g := &Gossip{
		cfg:     cfg,
		log:     log.With("component", "linkstate", "pop", cfg.Name),
		store:   NewStore(cfg.Self, cfg.TTL),
		book:    newMemberBook(),
		rejects: newRateLimit(rejectLogEvery),
		names:   map[uint16]string{cfg.Self: cfg.Name},
		changed: make(chan struct{}, 1),
		stop:    make(chan struct{}),
	}
	var mlp atomic.Pointer[memberlist.Memberlist]
	m, err := newMetrics(reg, func() float64 {
		if ml := mlp.Load(); ml != nil {
			return float64(ml.NumMembers())
		}
		return 0
	}, func() float64 { return float64(g.store.Len()) })
	if err != nil {
		return nil, fmt.Errorf("linkstate: registering metrics: %w", err)
	}
	g.metrics = m
	g.fan = newFanout(g, cfg.FanoutConcurrency)
	g.queue = newBroadcastQueue(cfg.RetransmitMult, func() int {
		if ml := mlp.Load(); ml != nil {
			return ml.NumMembers()
		}
		return 1
	})

	mc, err := g.memberlistConfig(wrap)
	if err != nil {
		m.unregister()
		return nil, err
	}
	ml, err := memberlist.Create(mc)
	if err != nil {
		m.unregister()
		return nil, fmt.Errorf("linkstate: starting memberlist on %s: %w", cfg.Bind, err)
	}
	mlp.Store(ml)
	g.ml = ml
	g.log.Info("linkstate: gossip started", "id", cfg.Self, "addr", g.Addr(), "seeds", cfg.Seeds)

	g.goLoop(g.notifyLoop)
	g.goLoop(g.fan.run)
	g.goLoop(g.maintainLoop)
	g.goLoop(g.reconnectLoop)
	return g, nil
}

func (g *Gossip) goLoop(f func()) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		f()
	}()
}

// memberlistConfig maps Config onto a memberlist configuration.
func (g *Gossip) memberlistConfig(wrap wrapTransport) (*memberlist.Config, error) {
	c := g.cfg
	mc := memberlist.DefaultLANConfig()
	mc.Name = c.Name
	mc.BindAddr = c.Bind.Addr().String()
	mc.BindPort = int(c.Bind.Port())
	mc.AdvertisePort = int(c.Bind.Port())
	if c.Advertise.IsValid() {
		mc.AdvertiseAddr = c.Advertise.Addr().String()
		mc.AdvertisePort = int(c.Advertise.Port())
	}
	kr, err := memberlist.NewKeyring(nil, c.Key)
	if err != nil {
		return nil, fmt.Errorf("linkstate: Config.Key: %w", err)
	}
	mc.Keyring = kr
	mc.GossipVerifyIncoming = true
	mc.GossipVerifyOutgoing = true
	mc.Label = memberlistLabel
	mc.ProbeInterval = c.ProbeInterval
	mc.ProbeTimeout = c.ProbeTimeout
	mc.SuspicionMult = c.SuspicionMult
	mc.SuspicionMaxTimeoutMult = 4
	mc.GossipInterval = c.GossipInterval
	mc.PushPullInterval = c.PushPullInterval
	mc.GossipToTheDeadTime = c.TTL
	mc.TCPTimeout = c.TCPTimeout
	mc.DeadNodeReclaimTime = deadNodeReclaim
	mc.Delegate = (*delegate)(g)
	mc.Events = (*events)(g)
	mc.Logger = slog.NewLogLogger(g.log.With("component", "memberlist").Handler(), slog.LevelDebug)
	if wrap != nil {
		nt, err := memberlist.NewNetTransport(&memberlist.NetTransportConfig{
			BindAddrs: []string{mc.BindAddr}, BindPort: mc.BindPort, Logger: mc.Logger})
		if err != nil {
			return nil, fmt.Errorf("linkstate: binding %s: %w", c.Bind, err)
		}
		if mc.BindPort == 0 {
			mc.BindPort = nt.GetAutoBindPort()
			mc.AdvertisePort = mc.BindPort
		}
		mc.Transport = wrap(nt)
	}
	return mc, nil
}

// Store returns the store of all known tables, this PoP's own included.
func (g *Gossip) Store() *Store { return g.store }

// Addr returns the gossip address other PoPs reach this one at (useful with
// a Bind port of 0).
func (g *Gossip) Addr() netip.AddrPort {
	self, _ := g.book.lookup(g.cfg.Name)
	return self.Addr
}

// Members lists the PoPs of the cluster, this one included, sorted by name:
// the live members as memberlist sees them now, and dead or departed members
// seen within the last hour.
func (g *Gossip) Members() []Member {
	return g.book.members(time.Now())
}

// Publish makes t the local table: it sets t.Origin to Config.Self, sorts
// links and prefixes, assigns the next Version and stores it. It broadcasts
// the table at once when it differs significantly (Config.Threshold) from the
// last table broadcast; otherwise the periodic refresh carries it. An invalid
// table is rejected with an error and changes nothing.
func (g *Gossip) Publish(t Table) error {
	t = t.Clone()
	t.Origin = g.cfg.Self
	t.Normalize()
	if err := t.Validate(); err != nil {
		g.metrics.rejected.WithLabelValues(reasonLocalInvalid).Inc()
		return err
	}
	g.pubMu.Lock()
	defer g.pubMu.Unlock()
	now := time.Now()
	t.Version = g.nextVersion(now)
	_, contentChanged, err := g.store.apply(t, now)
	if err != nil {
		return err
	}
	g.current, g.hasCurrent = t, true
	if !g.hasSent || Significant(g.lastSent, t, g.cfg.Threshold) {
		g.sendLocked(t, now)
	}
	if contentChanged {
		g.signal()
	}
	return nil
}

// nextVersion returns a version above every earlier one of this PoP: above
// the last assigned, the wall clock in nanoseconds (so versions keep growing
// across restarts) and any own version seen in the network.
func (g *Gossip) nextVersion(now time.Time) uint64 {
	v := g.version + 1
	if ns := uint64(now.UnixNano()); ns > v {
		v = ns
	}
	if seen := g.seenSelf.Load(); seen >= v && seen < math.MaxUint64 && seen-uint64(now.UnixNano()) < maxVersionAhead {
		v = seen + 1
	}
	g.version = v
	return v
}

// sendLocked broadcasts the own table t: through the gossip queue when it
// fits into a UDP packet, else directly to every member. pubMu is held.
func (g *Gossip) sendLocked(t Table, now time.Time) {
	msg, err := appendMessage(nil, kindGossip, g.cfg.Name, &t)
	if err != nil {
		g.log.Error("linkstate: encoding own table", "err", err)
		return
	}
	if len(msg) <= maxGossipMessage {
		g.queue.queue(t.Origin, msg)
		g.metrics.broadcasts.WithLabelValues(viaGossip).Inc()
		direct := append([]byte(nil), msg...)
		direct[0] = kindDirect
		g.fan.setLatest(direct) // for members that join later
	} else {
		msg[0] = kindDirect
		g.fan.sendAll(msg)
		g.metrics.broadcasts.WithLabelValues(viaDirect).Inc()
	}
	g.lastSent, g.hasSent, g.lastSentAt = t, true, now
}

// refresh re-sends the current own table under a new version when the last
// broadcast is RefreshInterval old.
func (g *Gossip) refresh(now time.Time) {
	g.pubMu.Lock()
	defer g.pubMu.Unlock()
	if !g.hasCurrent || now.Sub(g.lastSentAt) < g.cfg.RefreshInterval {
		return
	}
	t := g.current
	t.Version = g.nextVersion(now)
	if _, _, err := g.store.apply(t, now); err != nil {
		g.log.Error("linkstate: refreshing own table", "err", err)
		return
	}
	g.current = t
	g.sendLocked(t, now)
}

// signal schedules an OnChange call.
func (g *Gossip) signal() {
	select {
	case g.changed <- struct{}{}:
	default:
	}
}

// notifyLoop calls OnChange, outside every lock, once per batch of signals.
func (g *Gossip) notifyLoop() {
	for {
		select {
		case <-g.stop:
			return
		case <-g.changed:
			if g.cfg.OnChange != nil {
				g.cfg.OnChange()
			}
		}
	}
}

// maintainLoop refreshes the own table and expires stale tables.
func (g *Gossip) maintainLoop() {
	tick := time.NewTicker(g.cfg.RefreshInterval / 4)
	defer tick.Stop()
	for {
		select {
		case <-g.stop:
			return
		case now := <-tick.C:
			g.refresh(now)
			if gone := g.store.Expire(now); len(gone) > 0 {
				g.metrics.removed.WithLabelValues("expired").Add(float64(len(gone)))
				g.log.Info("linkstate: tables expired", "origins", gone, "ttl", g.cfg.TTL)
				g.signal()
			}
		}
	}
}

// reconnectLoop joins the seeds while this PoP is alone, and retries seeds
// (given as IP:port) and dead members that are not alive members, so that a
// PoP started before its seeds and the two sides of a healed partition find
// each other.
func (g *Gossip) reconnectLoop() {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-g.stop:
			return
		case <-t.C:
		}
		g.reconnect()
		t.Reset(g.cfg.ReconnectInterval)
	}
}

func (g *Gossip) reconnect() {
	alive := make(map[string]bool)
	var dead []string
	for _, m := range g.book.members(time.Now()) {
		switch {
		case m.Name == g.cfg.Name:
		case m.State == MemberAlive:
			alive[m.Addr.String()] = true
		case m.State == MemberDead && m.Addr.IsValid():
			dead = append(dead, m.Addr.String())
		}
	}
	// A seed given by host name cannot be matched against member addresses
	// without resolving it: retry it only while this PoP is alone, so that
	// it does not cost a full push/pull every ReconnectInterval.
	var targets []string
	for _, s := range g.cfg.Seeds {
		ap, err := netip.ParseAddrPort(s)
		literal := err == nil
		if len(alive) == 0 || (literal && !alive[ap.String()]) {
			targets = append(targets, s)
		}
	}
	for _, a := range dead {
		if !alive[a] {
			targets = append(targets, a)
		}
	}
	for _, target := range targets {
		select {
		case <-g.stop:
			return
		default:
		}
		if _, err := g.ml.Join([]string{target}); err != nil {
			g.log.Debug("linkstate: join failed; will retry", "target", target, "err", err)
			continue
		}
		g.log.Info("linkstate: joined", "target", target)
	}
}

// Shutdown leaves the cluster gracefully (other PoPs drop this PoP's table
// at once) and stops all background work; it waits at most about two
// seconds for the departure to be gossiped. It is safe to call more than
// once.
func (g *Gossip) Shutdown() error {
	g.shutOnce.Do(func() {
		g.stopLoops()
		// Mark the departure in the node meta first: memberlist reports a
		// leave and a death alike.
		wait := max(10*g.cfg.GossipInterval, time.Second)
		g.leaving.Store(true)
		if err := g.ml.UpdateNode(wait); err != nil {
			g.log.Debug("linkstate: announcing departure", "err", err)
		}
		leaveErr := g.ml.Leave(wait)
		g.shutErr = errors.Join(leaveErr, g.ml.Shutdown())
		g.log.Info("linkstate: gossip stopped")
	})
	return g.shutErr
}

// stopLoops stops the background goroutines and waits for them.
func (g *Gossip) stopLoops() {
	g.stopOnce.Do(func() { close(g.stop) })
	g.wg.Wait()
}
