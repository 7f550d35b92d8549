package fabric

import (
	"fmt"
	"math"
	"time"
)

// MaxDelay bounds LinkParams.Delay, Jitter and QueueLimit so that a typo in a
// scenario cannot hold the packet pool for minutes.
const MaxDelay = 10 * time.Second

// DefaultQueueLimit is the queueing delay at the rate limiter beyond which
// packets are tail-dropped when LinkParams.QueueLimit is zero.
const DefaultQueueLimit = 100 * time.Millisecond

// GilbertElliott is a two-state bursty loss model. In every packet the state
// first changes (Good to Bad with probability P, Bad to Good with probability
// R), then the packet is lost with probability GoodLoss or BadLoss of the
// state it is in. The mean loss is (R*GoodLoss + P*BadLoss) / (P + R) and the
// mean time spent in Bad is 1/R packets.
type GilbertElliott struct {
	P        float64 // probability of moving from Good to Bad, per packet
	R        float64 // probability of moving from Bad to Good, per packet
	GoodLoss float64 // loss probability in Good (1-k in the usual notation)
	BadLoss  float64 // loss probability in Bad (1-h in the usual notation)
}

// MeanLoss returns the stationary loss probability of the model.
func (g GilbertElliott) MeanLoss() float64 {
	if g.P+g.R == 0 {
		return g.GoodLoss
	}
	return (g.R*g.GoodLoss + g.P*g.BadLoss) / (g.P + g.R)
}

// LinkParams describes one direction of an emulated link.
type LinkParams struct {
	// Delay is the one-way propagation delay.
	Delay time.Duration
	// Jitter adds a uniformly distributed offset in [-Jitter, +Jitter] to
	// Delay (never below zero). See Reorder.
	Jitter time.Duration
	// Loss is the Bernoulli loss probability in [0, 1]. Must be 0 when GE is set.
	Loss float64
	// GE, when not nil, replaces Loss by a Gilbert-Elliott bursty loss model.
	GE *GilbertElliott
	// RateBps limits the link to this many bits per second of Ethernet
	// frames (header included); 0 means unlimited.
	RateBps uint64
	// QueueLimit is the longest a packet may wait for the rate limiter
	// before it is tail-dropped; 0 means DefaultQueueLimit.
	QueueLimit time.Duration
	// Reorder lets jitter reorder packets; by default a packet never
	// overtakes an earlier one of the same directed pair.
	Reorder bool
	// Down cuts the link: every packet is dropped, including those in flight.
	Down bool
}

// Validate reports the first field out of range, by name.
func (p LinkParams) Validate() error {
	durations := []struct {
		name string
		v    time.Duration
	}{{"delay", p.Delay}, {"jitter", p.Jitter}, {"queue_limit", p.QueueLimit}}
	for _, d := range durations {
		if d.v < 0 || d.v > MaxDelay {
			return fmt.Errorf("%s %v outside [0, %v]", d.name, d.v, MaxDelay)
		}
	}
	if err := checkProb("loss", p.Loss); err != nil {
		return err
	}
	if p.GE != nil {
		if p.Loss != 0 {
			return fmt.Errorf("loss %v and ge both set: use one loss model", p.Loss)
		}
		for _, f := range []struct {
			name string
			v    float64
		}{{"ge.p", p.GE.P}, {"ge.r", p.GE.R}, {"ge.good_loss", p.GE.GoodLoss}, {"ge.bad_loss", p.GE.BadLoss}} {
			if err := checkProb(f.name, f.v); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkProb(name string, v float64) error {
	if math.IsNaN(v) || v < 0 || v > 1 {
		return fmt.Errorf("%s %v outside [0, 1]", name, v)
	}
	return nil
}

// compiled is the immutable per-packet form of LinkParams, published to the
// forwarder through an atomic pointer.
type compiled struct {
	params     LinkParams // as given, for Stats and Link
	delay      int64      // ns
	jitter     int64      // ns
	queueLimit int64      // ns
	loss       float64
	ge         bool
	geP, geR   float64
	geGood     float64
	geBad      float64
	rate       uint64 // bits per second, 0 = unlimited
	reorder    bool
	down       bool
}

func compile(p LinkParams) *compiled {
	c := &compiled{
		params:     p,
		delay:      int64(p.Delay),
		jitter:     int64(p.Jitter),
		queueLimit: int64(p.QueueLimit),
		loss:       p.Loss,
		rate:       p.RateBps,
		reorder:    p.Reorder,
		down:       p.Down,
	}
	if c.queueLimit == 0 {
		c.queueLimit = int64(DefaultQueueLimit)
	}
	if p.GE != nil {
		c.ge = true
		c.geP, c.geR, c.geGood, c.geBad = p.GE.P, p.GE.R, p.GE.GoodLoss, p.GE.BadLoss
		c.params.GE = new(GilbertElliott)
		*c.params.GE = *p.GE
	}
	return c
}
