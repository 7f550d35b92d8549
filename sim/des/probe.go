package des

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/argonet/argo/linkstate"
	"github.com/argonet/argo/prober"
)

// probeEnv is what every probe train shares (read-only).
type probeEnv struct {
	nw       *network
	jitter   float64
	unix0    int64 // virtual time 0 in Unix nanoseconds
	interval int64
	settings prober.Settings
}

// at converts virtual time; time.Unix is several times cheaper than
// Time.Add, which matters at two calls per probe.
func (e *probeEnv) at(ns int64) time.Time { return time.Unix(0, e.unix0+ns).UTC() }

// pending is a probe sent and not yet resolved: it resolves at res, by its
// reply when answered, else by expiring at its deadline. Replies that
// would arrive after the deadline are not simulated: the Tracker would only
// count them as late.
type pending struct {
	res      int64
	seq      uint16
	answered bool
}

// flip is an up/down change of one link, with the link's state right after.
type flip struct {
	at   int64
	link linkstate.Link
}

// probeLink is one directed link's prober: a real prober.Tracker fed with
// every probe of the train in time order.
type probeLink struct {
	tr   *prober.Tracker
	rng  *rand.Rand
	peer int
	seq  uint16
	up   bool
	next int64 // send time of the next probe
	c    cond  // link state, valid until c.until
	fl   []pending
}

// reset starts the link afresh at t (PoP start or restart): a new Tracker
// (down, no history) and a random probe phase.
func (l *probeLink) reset(env *probeEnv, t int64) {
	l.tr = prober.NewTracker(env.settings)
	l.up = false
	l.fl = l.fl[:0]
	l.next = t + int64(l.rng.Uint64()%uint64(env.interval))
	l.c = cond{until: math.MinInt64}
}

// advance feeds the Tracker every event (send, reply or expiry) before t,
// in time order, and appends up/down changes to flips. It does not
// allocate.
func (l *probeLink) advance(env *probeEnv, self int, t int64, flips []flip) []flip {
	for {
		ri, rt := l.earliest()
		if rt < t && rt <= l.next {
			p := l.fl[ri]
			last := len(l.fl) - 1
			l.fl[ri] = l.fl[last]
			l.fl = l.fl[:last]
			if p.answered {
				l.tr.Received(p.seq, env.at(rt))
			} else {
				l.tr.Expire(env.at(rt))
			}
			if l.tr.Up() != l.up {
				flips = l.flipped(rt, flips)
			}
			continue
		}
		if l.next >= t {
			return flips
		}
		l.send(env, self)
		if l.tr.Up() != l.up {
			flips = l.flipped(l.next-env.interval, flips)
		}
	}
}

// earliest returns the pending probe that resolves first (-1 and never
// when none).
func (l *probeLink) earliest() (int, int64) {
	switch len(l.fl) {
	case 0:
		return -1, never
	case 1:
		return 0, l.fl[0].res
	}
	ri, rt := 0, l.fl[0].res
	for k := 1; k < len(l.fl); k++ {
		if l.fl[k].res < rt {
			ri, rt = k, l.fl[k].res
		}
	}
	return ri, rt
}

// send sends the probe due at l.next and draws its fate.
func (l *probeLink) send(env *probeEnv, self int) {
	s := l.next
	if s >= l.c.until {
		l.c = env.nw.cond(self, l.peer, s)
	}
	var deadline int64
	if len(l.fl) == 0 {
		// Nothing pending: the Tracker's next expiry is this probe's
		// deadline, which spares a second Timeout computation.
		l.tr.Sent(l.seq, env.at(s))
		d, _ := l.tr.NextExpiry()
		deadline = d.UnixNano() - env.unix0
	} else {
		deadline = s + int64(l.tr.Timeout())
		l.tr.Sent(l.seq, env.at(s))
	}
	p := pending{res: deadline, seq: l.seq}
	if l.c.up && (l.c.loss == 0 || l.rng.Float64() >= l.c.loss) {
		rtt := l.c.rttNs * (1 + env.jitter*l.rng.ExpFloat64())
		if arr := s + int64(rtt); arr < deadline {
			p.res, p.answered = arr, true
		}
	}
	l.fl = append(l.fl, p)
	l.seq++
	l.next += env.interval
}

func (l *probeLink) flipped(at int64, flips []flip) []flip {
	l.up = !l.up
	return append(flips, flip{at: at, link: l.state()})
}

// state is the link as argod publishes it: SRTT, jitter and loss of the
// Tracker, and its up/down state.
func (l *probeLink) state() linkstate.Link {
	st := l.tr.Stats()
	return linkstate.Link{Peer: uint16(l.peer), RTT: st.SRTT, Jitter: st.Jitter, Loss: st.Loss, Up: st.Up}
}
