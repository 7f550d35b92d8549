package prober

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"time"

	probing "github.com/prometheus-community/pro-bing"
)

// defaultGenSize is how many probes one pro-bing Pinger sends before the
// next one takes over. pro-bing remembers every unanswered sequence number
// for the life of a Pinger, so a Pinger probing a dead peer for days would
// grow without bound; successive generations bound that memory while the
// probing stays continuous. It divides 65536, so tracker sequence numbers
// run on without a gap across generations.
const defaultGenSize = 4096

// runICMP probes the peer continuously with successive pro-bing
// generations. Generation g+1 starts one interval after g sent its last
// probe; g keeps receiving for MaxTimeout so that its last replies count.
func (pr *peer) runICMP(ctx context.Context) {
	defer pr.wg.Done()
	var base uint16 // tracker sequence number of the generation's seq 0
	for ctx.Err() == nil {
		sent, err := pr.icmpGeneration(ctx, base)
		base += uint16(sent)
		if err != nil && ctx.Err() == nil {
			pr.log.Debug("icmp pinger stopped", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(pr.s.Interval):
		}
	}
}

// icmpGeneration runs one Pinger until it has sent genSize probes (then
// leaves it draining in the background) or until it fails. It returns how
// many probes it sent.
func (pr *peer) icmpGeneration(ctx context.Context, base uint16) (int, error) {
	var (
		sent, tried atomic.Int64
		lastSent    = make(chan struct{})
		closeOnce   sync.Once
		done        = make(chan error, 1)
	)
	pinger := probing.New("")
	pinger.SetIPAddr(&net.IPAddr{IP: pr.target.Addr.Unmap().AsSlice(), Zone: pr.target.Addr.Zone()})
	pinger.SetPrivileged(true)
	pinger.SetLogger(pingLogger{pr.log})
	pinger.Interval = pr.s.Interval
	pinger.Count = pr.genSize
	pinger.RecordRtts = false
	pinger.RecordTTLs = false
	pinger.OnSend = func(pkt *probing.Packet) {
		tried.Add(1)
		pr.icmpSent(base+uint16(pkt.Seq), time.Now())
		if sent.Add(1) == int64(pr.genSize) {
			closeOnce.Do(func() { close(lastSent) })
		}
	}
	pinger.OnRecv = func(pkt *probing.Packet) { pr.icmpReceived(base+uint16(pkt.Seq), time.Now()) }
	pinger.OnDuplicateRecv = func(pkt *probing.Packet) { pr.icmpReceived(base+uint16(pkt.Seq), time.Now()) }
	pinger.OnSendError = func(pkt *probing.Packet, err error) {
		tried.Add(1)
		pr.icmpSendFailed(base+uint16(pkt.Seq), time.Now(), err)
	}

	pr.wg.Add(1)
	go func() {
		defer pr.wg.Done()
		done <- pinger.RunWithContext(ctx)
	}()
	select {
	case <-lastSent:
		// Replies to the last probes may still come; after MaxTimeout
		// they would be late anyway. Cancelling ctx stops it earlier.
		time.AfterFunc(pr.s.MaxTimeout, pinger.Stop)
		return pr.genSize, nil
	case err := <-done:
		if err != nil && tried.Load() == 0 && ctx.Err() == nil {
			// No probe could even be attempted (socket error): that is
			// a lost probe too, or a peer we cannot reach would stay up.
			pr.icmpSendFailed(base, time.Now(), err)
		}
		return int(sent.Load()), err
	case <-ctx.Done():
		return int(sent.Load()), nil
	}
}

func (pr *peer) icmpSent(seq uint16, at time.Time) {
	pr.mu.Lock()
	if !pr.closed {
		pr.icmp.Sent(seq, at)
		pr.publish()
	}
	pr.mu.Unlock()
	pr.kick()
}

func (pr *peer) icmpReceived(seq uint16, at time.Time) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.closed {
		return
	}
	before := pr.icmp.stats.received
	pr.icmp.Received(seq, at)
	if pr.icmp.stats.received != before {
		pr.met.rtt.Observe(pr.icmp.lastRTT.Seconds())
	}
	pr.publish()
}

// icmpSendFailed counts a send that did not leave as a lost probe. pro-bing
// retries some errors (ENOBUFS) in a tight loop; failures closer together
// than half an interval count once.
func (pr *peer) icmpSendFailed(seq uint16, at time.Time, err error) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.closed || at.Sub(pr.lastFail) < pr.s.Interval/2 {
		return
	}
	pr.lastFail = at
	pr.log.Debug("icmp send failed", "seq", seq, "err", err)
	pr.icmp.SendFailed(seq, at)
	pr.publish()
}
