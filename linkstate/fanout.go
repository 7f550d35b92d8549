package linkstate

import (
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

// fanout sends the own table directly to members over memberlist's
// encrypted TCP stream: to every member when the table is too large for one
// UDP packet, and to each member that joins (or rejoins), so that it does not
// wait for the next refresh. Every send carries the newest table at the time
// of sending; requests arriving during a round are batched into the next.
type fanout struct {
	g    *Gossip
	conc int
	kick chan struct{}

	mu     sync.Mutex
	msg    []byte          // newest own table as a direct message; nil before Publish
	all    bool            // a round to every member is pending
	joined map[string]bool // members pending a send
}

func newFanout(g *Gossip, conc int) *fanout {
	return &fanout{g: g, conc: conc, kick: make(chan struct{}, 1), joined: make(map[string]bool)}
}

// setLatest records msg as the message for members that join later. Members
// that joined before the first table was published get it now.
func (f *fanout) setLatest(msg []byte) {
	f.mu.Lock()
	first := f.msg == nil
	f.msg = msg
	pending := len(f.joined) > 0
	f.mu.Unlock()
	if first && pending {
		f.wake()
	}
}

// sendAll records msg and schedules a send to every member.
func (f *fanout) sendAll(msg []byte) {
	f.mu.Lock()
	f.msg, f.all = msg, true
	f.mu.Unlock()
	f.wake()
}

// sendTo schedules a send of the newest table to the member called name. It
// does not block (memberlist calls it while holding its locks).
func (f *fanout) sendTo(name string) {
	f.mu.Lock()
	if len(f.joined) < 1<<16 {
		f.joined[name] = true
	}
	f.mu.Unlock()
	f.wake()
}

func (f *fanout) wake() {
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// latest returns the newest message.
func (f *fanout) latest() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.msg
}

// run delivers scheduled sends until the Gossip stops.
func (f *fanout) run() {
	for {
		select {
		case <-f.g.stop:
			return
		case <-f.kick:
			f.round()
		}
	}
}

func (f *fanout) round() {
	g := f.g
	f.mu.Lock()
	if f.msg == nil {
		// Nothing published yet: keep the pending members for the first
		// table (setLatest or sendAll wakes the loop again).
		f.mu.Unlock()
		return
	}
	all, joined := f.all, f.joined
	f.all, f.joined = false, make(map[string]bool)
	f.mu.Unlock()
	var targets []*memberlist.Node
	for _, m := range g.book.members(time.Now()) {
		if m.Name != g.cfg.Name && m.State == MemberAlive && (all || joined[m.Name]) {
			targets = append(targets, m.node())
		}
	}
	sem := make(chan struct{}, f.conc)
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, n := range targets {
		select {
		case <-g.stop:
			return
		case sem <- struct{}{}:
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			msg := f.latest()
			if err := g.ml.SendReliable(n, msg); err != nil {
				g.metrics.sendErrors.Inc()
				g.log.Debug("linkstate: direct send failed", "member", n.Name, "err", err)
				return
			}
			g.metrics.bytesSent.WithLabelValues(viaDirect).Add(float64(len(msg)))
		}()
	}
}
