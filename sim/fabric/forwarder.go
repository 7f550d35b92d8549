package fabric

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

const (
	// earlySlack: frames due within this much of now leave in the same
	// batch, so that a burst costs one wake-up and one sendmmsg.
	earlySlack = 20 * time.Microsecond
	// maxPerDrain bounds how many received frames are handled before due
	// frames are sent again.
	maxPerDrain = 256
	// idlePoll caps a sleep with nothing queued.
	idlePoll = 100 * time.Millisecond
	// clockStep: a ring timestamp further than this from now is not trusted.
	clockStep = int64(time.Second)
	// lateThreshold: frames sent later than this after their due time are
	// counted as late (the emulator's own accuracy, see Stats.Late).
	lateThreshold = 250 * time.Microsecond
)

// counters are fabric-wide drop and event counts.
type counters struct {
	arpReplies  atomic.Uint64
	nonIPv4     atomic.Uint64
	malformed   atomic.Uint64
	noRoute     atomic.Uint64
	unknownPort atomic.Uint64
	oversize    atomic.Uint64
	txErrors    atomic.Uint64
	ringDrops   atomic.Uint64
	poolEmpty   atomic.Uint64
	late        atomic.Uint64
	maxLateNs   atomic.Int64
}

// forwarder is the data path. Everything but table, stop and the counters is
// owned by the goroutine running loop.
type forwarder struct {
	table    atomic.Pointer[portTable]
	stop     atomic.Bool
	inFlight atomic.Int64
	cnt      counters
	log      *slog.Logger

	rx     *rxRing
	tx     *txBatch
	pool   *pool
	q      timeQueue
	rng    *rand.PCG
	seq    uint64
	wakeFd int
	fds    [2]unix.PollFd
	frame  rxFrame
	txDone func(buf uint32, owned bool, l *link, n int, sent bool)
}

func newForwarder(poolSize int, seed uint64, log *slog.Logger) *forwarder {
	fw := &forwarder{
		log:    log,
		pool:   newPool(poolSize),
		q:      newTimeQueue(poolSize),
		rng:    rand.NewPCG(seed, seed^0x9e3779b97f4a7c15),
		wakeFd: -1,
	}
	fw.table.Store(&portTable{byIfindex: map[int]*port{}, byAddr: map[uint32]*port{}})
	fw.txDone = fw.sent
	return fw
}

// open creates the sockets in the calling thread's namespace. The wake-up
// eventfd must already exist.
func (fw *forwarder) open(ringFrames int) error {
	var err error
	if fw.rx, err = newRxRing(ringFrames); err != nil {
		return err
	}
	if fw.tx, err = newTxBatch(); err != nil {
		return err
	}
	fw.fds = [2]unix.PollFd{{Fd: int32(fw.rx.fd), Events: unix.POLLIN}, {Fd: int32(fw.wakeFd), Events: unix.POLLIN}}
	return nil
}

// openWake creates the eventfd that interrupts the loop's sleep.
func (fw *forwarder) openWake() error {
	fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return fmt.Errorf("eventfd: %w", err)
	}
	fw.wakeFd = fd
	return nil
}

// close releases the sockets; closeWake the eventfd, once the loop is gone.
func (fw *forwarder) close() {
	if fw.rx != nil {
		fw.rx.close()
	}
	if fw.tx != nil {
		fw.tx.close()
	}
}

func (fw *forwarder) closeWake() {
	if fw.wakeFd >= 0 {
		_ = unix.Close(fw.wakeFd)
		fw.wakeFd = -1
	}
}

// wake interrupts the loop's sleep (used to stop it).
func (fw *forwarder) wake() {
	var one = [8]byte{1}
	_, _ = unix.Write(fw.wakeFd, one[:])
}

func nowNs() int64 { return time.Now().UnixNano() }

// loop runs until stop is set. It must run on a thread that stays in the
// fabric namespace.
func (fw *forwarder) loop() {
	for !fw.stop.Load() {
		fw.sleep()
		fw.drainRx()
		fw.flushDue()
		fw.inFlight.Store(int64(fw.q.len()))
	}
}

// sleep waits until the next frame is due or a frame arrives.
func (fw *forwarder) sleep() {
	if fw.rx.peek(&fw.frame) {
		return
	}
	timeout := int64(idlePoll)
	if fw.q.len() > 0 {
		timeout = fw.q.peek().due - nowNs() - int64(earlySlack)
		if timeout <= 0 {
			return
		}
		timeout = min(timeout, int64(idlePoll))
	}
	ts := unix.NsecToTimespec(timeout)
	if _, err := unix.Ppoll(fw.fds[:], &ts, nil); err != nil && err != unix.EINTR {
		fw.log.Error("fabric: ppoll failed", "err", err)
		time.Sleep(time.Millisecond)
	}
	if fw.fds[1].Revents != 0 {
		var buf [8]byte
		_, _ = unix.Read(fw.wakeFd, buf[:])
	}
}

// drainRx handles up to maxPerDrain received frames.
func (fw *forwarder) drainRx() {
	now := nowNs()
	for range maxPerDrain {
		if !fw.rx.peek(&fw.frame) {
			break
		}
		fw.handle(&fw.frame, now)
		fw.rx.release()
		if fw.tx.full() {
			fw.tx.flush(fw.txDone)
		}
	}
	if fw.tx.n > 0 {
		fw.tx.flush(fw.txDone) // ARP replies
	}
}

// handle classifies one received frame and queues, answers or drops it.
func (fw *forwarder) handle(f *rxFrame, now int64) {
	if f.origLen > uint32(len(f.data)) || len(f.data) > maxFrame {
		fw.cnt.oversize.Add(1)
		return
	}
	pt := fw.table.Load()
	src := pt.byIfindex[f.ifindex]
	if src == nil {
		fw.cnt.unknownPort.Add(1)
		return
	}
	fi := parseFrame(f.data)
	switch fi.kind {
	case kindIPv4:
		fw.forward(pt, src, f, fi, now)
	case kindARPRequest:
		fw.answerARP(pt, src, fi)
	case kindARPOther:
	case kindMalformed:
		fw.cnt.malformed.Add(1)
	default:
		fw.cnt.nonIPv4.Add(1)
	}
}

func (fw *forwarder) forward(pt *portTable, src *port, f *rxFrame, fi frameInfo, now int64) {
	dst := pt.byAddr[fi.dst]
	if dst == nil || dst == src {
		fw.cnt.noRoute.Add(1)
		return
	}
	l := pt.links[src.idx][dst.idx]
	ts := f.tsNs
	if ts-now > clockStep || now-ts > clockStep {
		ts = now
	}
	due, v := l.admit(l.params.Load(), ts, len(f.data), fw.rng)
	switch v {
	case dropLoss:
		l.lost.Add(1)
		return
	case dropDown:
		l.cut.Add(1)
		return
	case dropQueue:
		l.queueDrops.Add(1)
		return
	}
	b, ok := fw.pool.get()
	if !ok {
		l.overflow.Add(1)
		fw.cnt.poolEmpty.Add(1)
		return
	}
	buf := fw.pool.buf(b)
	n := copy(buf, f.data)
	copy(buf[0:6], dst.peerMAC[:])
	copy(buf[6:12], dst.mac[:])
	fw.seq++
	fw.q.push(pending{due: due, seq: fw.seq, buf: b, n: uint32(n), dst: dst, link: l})
}

// answerARP replies for any other PoP's address with the requester's own
// fabric port MAC, so that all its traffic enters the fabric.
func (fw *forwarder) answerARP(pt *portTable, src *port, fi frameInfo) {
	if t := pt.byAddr[fi.dst]; t == nil || t == src {
		return
	}
	b, ok := fw.pool.get()
	if !ok {
		fw.cnt.poolEmpty.Add(1)
		return
	}
	buf := fw.pool.buf(b)
	n := buildARPReply(buf, fi, src.mac)
	fw.tx.add(buf[:n], src.ifindex, b, true, nil)
	fw.cnt.arpReplies.Add(1)
}

// flushDue sends every queued frame due by now+earlySlack. A frame whose
// link was cut while it was in flight is dropped.
func (fw *forwarder) flushDue() {
	now := nowNs()
	limit := now + int64(earlySlack)
	for fw.q.len() > 0 && fw.q.peek().due <= limit {
		p := fw.q.pop()
		if late := now - p.due; late > int64(lateThreshold) {
			fw.cnt.late.Add(1)
			if late > fw.cnt.maxLateNs.Load() {
				fw.cnt.maxLateNs.Store(late)
			}
		}
		if p.link.params.Load().down {
			p.link.cut.Add(1)
			fw.pool.put(p.buf)
			continue
		}
		fw.tx.add(fw.pool.buf(p.buf)[:p.n], p.dst.ifindex, p.buf, true, p.link)
		if fw.tx.full() {
			fw.tx.flush(fw.txDone)
		}
	}
	if fw.tx.n > 0 {
		fw.tx.flush(fw.txDone)
	}
}

// sent is the txBatch completion callback.
func (fw *forwarder) sent(buf uint32, owned bool, l *link, n int, ok bool) {
	if owned {
		fw.pool.put(buf)
	}
	if !ok {
		fw.cnt.txErrors.Add(1)
		return
	}
	if l != nil {
		l.forwarded.Add(1)
		l.bytes.Add(uint64(n))
	}
}

// drain releases every queued frame (after the loop stopped).
func (fw *forwarder) drain() {
	for fw.q.len() > 0 {
		fw.pool.put(fw.q.pop().buf)
	}
	fw.inFlight.Store(0)
}
