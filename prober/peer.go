package prober

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// peer probes one Target. Its goroutines are the ICMP runner (icmp.go) and
// loop, which sends the echo probes and expires both trackers on time.
type peer struct {
	target  Target
	s       Settings
	genSize int
	log     *slog.Logger
	echoTx  func() EchoTransport // current echo transport, nil for none
	notify  func()               // non-blocking Changes notification

	cancel context.CancelFunc
	wg     sync.WaitGroup
	wake   chan struct{} // a new ICMP deadline exists: recompute the timer

	mu       sync.Mutex // guards everything below
	closed   bool
	icmp     *Tracker
	echo     *Tracker
	met      peerMetrics
	reported report    // values behind the last notification
	lastFail time.Time // last ICMP send failure counted
}

// report is what a Changes notification is about.
type report struct {
	up   bool
	srtt time.Duration
	loss float64
}

// PeerStats is one peer's entry in a Snapshot.
type PeerStats struct {
	Target
	// ICMP measures the underlay; its RTT, jitter and loss are the
	// published link measurements.
	ICMP Stats `json:"icmp"`
	// Echo is the daemon liveness echo through the EchoTransport.
	Echo Stats `json:"echo"`
	// EchoUsed tells whether Echo.Up counts in Up (an EchoTransport is set).
	EchoUsed bool `json:"echo_used"`
	// Up is ICMP.Up and, when EchoUsed, Echo.Up.
	Up bool `json:"up"`
}

func (pr *peer) start(parent context.Context) {
	ctx, cancel := context.WithCancel(parent)
	pr.cancel = cancel
	pr.wg.Add(2)
	go pr.runICMP(ctx)
	go pr.loop(ctx)
}

// stop ends the peer's goroutines and waits for them; events arriving
// afterwards are ignored.
func (pr *peer) stop() {
	pr.cancel()
	pr.wg.Wait()
	pr.mu.Lock()
	pr.closed = true
	pr.mu.Unlock()
}

// loop sends an echo probe every interval (when a transport is set) and
// runs Expire on both trackers at their next deadline.
func (pr *peer) loop(ctx context.Context) {
	defer pr.wg.Done()
	var seq uint16
	nextSend := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-pr.wake:
		}
		now := time.Now()
		if !now.Before(nextSend) {
			if tx := pr.echoTx(); tx != nil {
				pr.sendEcho(tx, seq, now)
				seq++
			}
			nextSend = nextSend.Add(pr.s.Interval)
			if nextSend.Before(now) { // fell behind (suspended?): do not burst
				nextSend = now.Add(pr.s.Interval)
			}
		}
		pr.mu.Lock()
		pr.icmp.Expire(now)
		pr.echo.Expire(now)
		pr.publish()
		wake := nextSend
		for _, tr := range []*Tracker{pr.icmp, pr.echo} {
			if exp, ok := tr.NextExpiry(); ok && exp.Before(wake) {
				wake = exp
			}
		}
		pr.mu.Unlock()
		timer.Reset(time.Until(wake))
	}
}

// sendEcho sends one echo probe. The probe is recorded before the send so
// that a reply racing the return of SendEcho finds it.
func (pr *peer) sendEcho(tx EchoTransport, seq uint16, now time.Time) {
	pr.mu.Lock()
	pr.echo.Sent(seq, now)
	pr.mu.Unlock()
	if err := tx.SendEcho(pr.target, seq); err != nil {
		pr.log.Debug("echo send failed", "seq", seq, "err", err)
		pr.mu.Lock()
		pr.echo.SendFailed(seq, time.Now())
		pr.mu.Unlock()
	}
}

// echoReply records an echo reply.
func (pr *peer) echoReply(seq uint16, at time.Time) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.closed {
		return
	}
	pr.echo.Received(seq, at)
	pr.publish()
}

// kick wakes loop to recompute its timer.
func (pr *peer) kick() {
	select {
	case pr.wake <- struct{}{}:
	default:
	}
}

// stats returns the peer's snapshot entry. Called with pr.mu held.
func (pr *peer) stats() PeerStats {
	ps := PeerStats{Target: pr.target, ICMP: pr.icmp.Stats(), Echo: pr.echo.Stats(), EchoUsed: pr.echoTx() != nil}
	ps.Up = ps.ICMP.Up && (!ps.EchoUsed || ps.Echo.Up)
	return ps
}

// publish updates the metrics, logs up/down transitions and notifies
// Changes when the state, SRTT or loss moved noticeably. Called with pr.mu
// held after every event; it reads the trackers directly (no percentile
// sort) and does not allocate unless the state changes.
func (pr *peer) publish() {
	if pr.closed {
		return
	}
	ic, ec := pr.icmp, pr.echo
	echoUsed := pr.echoTx() != nil
	now := report{up: ic.up && (!echoUsed || ec.up), srtt: ic.srtt, loss: ic.loss.ratio()}
	pr.met.srtt.Set(ic.srtt.Seconds())
	pr.met.jitter.Set(time.Duration(ic.jitter).Seconds())
	pr.met.loss.Set(now.loss)
	pr.met.export(0, &ic.stats)
	pr.met.export(1, &ec.stats)

	last := pr.reported
	if now.up != last.up {
		pr.logTransition(now, echoUsed)
		if now.up {
			pr.met.up.Set(1)
		} else {
			pr.met.up.Set(0)
		}
	}
	if now.up != last.up || pr.rttMoved(last.srtt, now.srtt) || lossMoved(last.loss, now.loss, pr.s.NotifyLoss) {
		pr.reported = now
		pr.notify()
	}
}

func (pr *peer) rttMoved(old, cur time.Duration) bool {
	d := (cur - old).Abs()
	return d > 0 && d >= max(time.Duration(pr.s.NotifyRTT*float64(old)), pr.s.NotifyRTTMin)
}

func lossMoved(old, cur, threshold float64) bool {
	d := cur - old
	if d < 0 {
		d = -d
	}
	return d > 0 && d >= threshold
}

func (pr *peer) logTransition(r report, echoUsed bool) {
	attrs := []any{"srtt", r.srtt, "loss", r.loss, "icmp_up", pr.icmp.up}
	if echoUsed {
		attrs = append(attrs, "echo_up", pr.echo.up)
	}
	if r.up {
		pr.log.Info("peer up", attrs...)
	} else {
		pr.log.Info("peer down", attrs...)
	}
}
