package prober

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/icmp"
)

// EchoTransport sends daemon liveness echoes (overlay path probes of type
// 1, answered by the peer's argod with type 2). The implementation hands
// every reply to Prober.EchoReply. SendEcho must not block for long; it may
// call EchoReply before returning.
type EchoTransport interface {
	SendEcho(to Target, seq uint16) error
}

// Prober continuously probes a set of peer PoPs. All methods are safe for
// concurrent use.
type Prober struct {
	self    string
	s       Settings
	log     *slog.Logger
	met     *metrics
	genSize int

	ctx     context.Context
	cancel  context.CancelFunc
	changes chan struct{}
	tx      atomic.Pointer[txBox]

	setMu  sync.Mutex   // serialises SetTargets and Close
	mu     sync.RWMutex // guards peers and closed
	peers  map[uint16]*peer
	closed bool
}

// txBox lets an interface value live in an atomic.Pointer.
type txBox struct{ t EchoTransport }

// New returns a Prober for the PoP named self, with no targets yet. It
// needs a privileged raw ICMP socket (root or CAP_NET_RAW) and says so when
// it cannot open one. log may be nil (discard); reg may be nil (metrics are
// kept but not exported). Metrics carry the constant label pop=self.
func New(self string, s Settings, log *slog.Logger, reg prometheus.Registerer) (*Prober, error) {
	if err := validName(self); err != nil {
		return nil, fmt.Errorf("prober: self: %w", err)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := checkRawICMP(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	met, err := newMetrics(self, reg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Prober{
		self:    self,
		s:       s,
		log:     log.With("component", "prober"),
		met:     met,
		genSize: defaultGenSize,
		ctx:     ctx,
		cancel:  cancel,
		changes: make(chan struct{}, 1),
		peers:   make(map[uint16]*peer),
	}, nil
}

// checkRawICMP opens and closes a raw ICMPv4 socket, the kind pro-bing
// uses in privileged mode.
func checkRawICMP() error {
	c, err := icmp.ListenPacket("ip4:icmp", "0.0.0.0")
	if err != nil {
		return fmt.Errorf("prober: cannot open a raw ICMP socket (needs root or CAP_NET_RAW): %w", err)
	}
	return c.Close()
}

// SetTargets replaces the set of probed peers. Peers whose Target (ID,
// Name and Addr) is unchanged keep running: their probes and statistics
// are not restarted. Removed peers stop and their metrics are deleted; a
// peer whose Name or Addr changed starts afresh. An invalid list is
// rejected as a whole, with an error naming the entry and field.
func (p *Prober) SetTargets(ts []Target) error {
	if err := validateTargets(p.self, ts); err != nil {
		return err
	}
	p.setMu.Lock()
	defer p.setMu.Unlock()

	want := make(map[uint16]Target, len(ts))
	for _, t := range ts {
		want[t.ID] = t
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return errors.New("prober: SetTargets after Close")
	}
	var gone []*peer
	for id, pr := range p.peers {
		if t, ok := want[id]; !ok || t != pr.target {
			gone = append(gone, pr)
			delete(p.peers, id)
		}
	}
	p.mu.Unlock()

	p.stopPeers(gone)

	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range ts {
		if _, ok := p.peers[t.ID]; ok {
			continue
		}
		pr := p.newPeer(t)
		p.peers[t.ID] = pr
		pr.start(p.ctx)
		p.log.Info("probing peer", "peer", t.Name, "id", t.ID, "addr", t.Addr)
	}
	if len(gone) > 0 {
		p.notify()
	}
	return nil
}

// stopPeers stops peers in parallel and deletes their metrics.
func (p *Prober) stopPeers(prs []*peer) {
	for _, pr := range prs {
		pr.cancel()
	}
	for _, pr := range prs {
		pr.stop()
		p.met.deletePeer(pr.target.Name)
		p.log.Info("stopped probing peer", "peer", pr.target.Name, "id", pr.target.ID)
	}
}

func (p *Prober) newPeer(t Target) *peer {
	return &peer{
		target:  t,
		s:       p.s,
		genSize: p.genSize,
		log:     p.log.With("peer", t.Name, "peer_id", t.ID),
		echoTx:  p.transport,
		notify:  p.notify,
		wake:    make(chan struct{}, 1),
		icmp:    NewTracker(p.s),
		echo:    NewTracker(p.s),
		met:     p.met.forPeer(t.Name),
	}
}

// SetEchoTransport sets the transport of the daemon liveness echo; nil
// means ICMP only. Set it before SetTargets: a peer's echo tracker starts
// down, so enabling the echo on running peers marks them down until
// UpAfter echo replies have come back.
func (p *Prober) SetEchoTransport(t EchoTransport) {
	if t == nil {
		p.tx.Store(nil)
		return
	}
	p.tx.Store(&txBox{t})
}

func (p *Prober) transport() EchoTransport {
	if b := p.tx.Load(); b != nil {
		return b.t
	}
	return nil
}

// EchoReply records the reply of peer to the echo probe seq, received at
// time at. Replies from unknown peers are ignored.
func (p *Prober) EchoReply(peer uint16, seq uint16, at time.Time) {
	p.mu.RLock()
	pr := p.peers[peer]
	p.mu.RUnlock()
	if pr == nil {
		p.log.Debug("echo reply from unknown peer", "peer_id", peer, "seq", seq)
		return
	}
	pr.echoReply(seq, at)
}

// Snapshot returns every peer's statistics, sorted by peer ID.
func (p *Prober) Snapshot() []PeerStats {
	p.mu.RLock()
	out := make([]PeerStats, 0, len(p.peers))
	for _, pr := range p.peers {
		pr.mu.Lock()
		out = append(out, pr.stats())
		pr.mu.Unlock()
	}
	p.mu.RUnlock()
	slices.SortFunc(out, func(a, b PeerStats) int { return int(a.ID) - int(b.ID) })
	return out
}

// Changes returns a channel (capacity 1) that receives a value, without
// ever blocking the Prober, when a peer's Up changes, its ICMP SRTT moves
// by NotifyRTT (and at least NotifyRTTMin), its ICMP loss moves by
// NotifyLoss, or the peer set shrinks. Notifications coalesce: read
// Snapshot after each. The channel is closed by Close.
func (p *Prober) Changes() <-chan struct{} { return p.changes }

func (p *Prober) notify() {
	select {
	case p.changes <- struct{}{}:
	default:
	}
}

// Close stops all probing, waits for the probe goroutines, unregisters the
// metrics and closes the Changes channel. It is idempotent.
func (p *Prober) Close() {
	p.setMu.Lock()
	defer p.setMu.Unlock()
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	all := make([]*peer, 0, len(p.peers))
	for id, pr := range p.peers {
		all = append(all, pr)
		delete(p.peers, id)
	}
	p.mu.Unlock()
	p.cancel()
	p.stopPeers(all)
	p.met.unregister()
	close(p.changes)
}
