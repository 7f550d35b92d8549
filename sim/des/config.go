package des

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argonet/argo/linkstate"
	"github.com/argonet/argo/pathcalc"
	"github.com/argonet/argo/prober"
	"github.com/argonet/argo/sim/matrix"
)

// Config describes one simulation. Start from DefaultConfig, which holds
// argod's default settings (config/load.go), and set Slices and Duration.
type Config struct {
	// Slices are the RTT matrices; slice k holds during
	// [k*SliceDuration, (k+1)*SliceDuration), the last one until the end.
	// PoP ids are the matrix indices.
	Slices []*matrix.Matrix
	// SliceDuration is required when there are several slices.
	SliceDuration time.Duration
	// Duration is the virtual time simulated.
	Duration time.Duration
	// Events are link and node failures and losses, in time order.
	Events []Event
	// Jitter is the relative RTT noise: each probe's RTT is the matrix RTT
	// times 1 + Jitter*X with X exponentially distributed with mean 1.
	Jitter float64
	// Loss is the probability that a probe is lost on every link.
	Loss float64
	// Seed makes the run reproducible.
	Seed uint64

	// Probe, Path, Threshold, Refresh and TTL are argod's settings.
	Probe     prober.Settings
	Path      pathcalc.Settings
	Threshold linkstate.Threshold
	Refresh   time.Duration
	TTL       time.Duration
	// Gossip models memberlist's delivery delays.
	Gossip GossipModel
	// Urgent says which changes make the PoPs that learn them recompute at
	// once (see the package comment).
	Urgent Urgency

	// Tick is argod's main-loop period: a PoP publishes and recomputes at
	// most once per Tick (bursts are coalesced onto the next tick).
	Tick time.Duration
	// Check is how often every PoP reads its trackers and runs linkstate's
	// publish rule (argod does it every Tick; up/down changes are
	// published at once in both).
	Check time.Duration
	// Batch is how many checks each probe train runs at once before the
	// simulation moves to the next one (memory locality; it changes no
	// result).
	Batch int
	// Recompute is the period of a PoP's route recomputation when nothing
	// urgent happened (argod recomputes every Tick; see the package
	// comment).
	Recompute time.Duration
	// RouteDelay holds back a PoP's route computation for this long after
	// it starts, so that its first routes see complete, settled link state.
	// argod computes routes at once (0); hysteresis then keeps routes
	// chosen from partial link state unless a path 10 % better appears.
	RouteDelay time.Duration
	// Sample is the period of the route-quality samples.
	Sample time.Duration
	// Routers is the number of PoPs, evenly spread over the ids, that run
	// a pathcalc engine (0: all). The others probe and gossip only. It
	// bounds memory for very large networks; metrics cover routers.
	Routers int
	// Workers is the number of goroutines (0: GOMAXPROCS).
	Workers int

	// Log receives progress and per-event messages (nil: discard).
	Log *slog.Logger
	// Registerer receives the simulator's own metrics (nil: none).
	Registerer prometheus.Registerer
}

// Urgency selects the table changes that trigger an immediate route
// recomputation where they arrive: a link that went live or dead for
// pathcalc (up/down, loss crossing MaxLoss) always; a link whose edge cost
// moved by more than both Relative and Absolute since the origin's
// previous broadcast too. Other changes wait for the periodic recompute.
type Urgency struct {
	Relative float64
	Absolute time.Duration
}

// GossipModel is the delivery model of link tables, standing in for
// memberlist. A table broadcast by PoP o at time t reaches PoP r at
//
//	t + Base + PerRTT*RTT(o,r) + U(0, Spread)
//
// (tables larger than one UDP packet go to every member over TCP: connect
// and send take about 1.5 RTT; Spread stands for queueing behind the other
// members of the fan-out). When the underlay link o->r is down at t, the
// table reaches r through push/pull anti-entropy with a third PoP instead,
// after an extra U(0, PushPull).
type GossipModel struct {
	Base   time.Duration
	PerRTT float64
	Spread time.Duration
	// PushPull is memberlist's push/pull period for this cluster size; 0
	// means memberlist's default (15 s, stretched for clusters above 32).
	PushPull time.Duration
	// DeadAfter is how long memberlist takes to declare a crashed PoP dead
	// (its table is then removed everywhere); 0 means memberlist's
	// suspicion timeout for this cluster size with argod's settings.
	DeadAfter time.Duration
	// JoinDelay is how long a restarted PoP waits for its first full state
	// exchange (push/pull on join).
	JoinDelay time.Duration
	// RetransmitMult is memberlist's retransmission multiplier, used to
	// count the traffic of tables small enough for epidemic gossip.
	RetransmitMult int
}

// DefaultConfig returns argod's defaults, 5 % jitter, no loss, a 2-second
// publish check, a one-minute periodic recompute and 10-second samples.
func DefaultConfig() Config {
	p := prober.DefaultSettings()
	p.MinTimeout = 100 * time.Millisecond // argod's probe.min_timeout default
	return Config{
		Jitter:    0.05,
		Seed:      1,
		Probe:     p,
		Path:      pathcalc.DefaultSettings(),
		Threshold: linkstate.Threshold{Relative: 0.10, Absolute: 2 * time.Millisecond, Loss: 0.02},
		Refresh:   linkstate.DefaultRefreshInterval,
		TTL:       linkstate.DefaultTTL,
		Gossip: GossipModel{
			Base: 2 * time.Millisecond, PerRTT: 1.5, Spread: 100 * time.Millisecond,
			JoinDelay: 500 * time.Millisecond, RetransmitMult: linkstate.DefaultRetransmitMult,
		},
		Urgent:    Urgency{Relative: 0.5, Absolute: 10 * time.Millisecond},
		Tick:      100 * time.Millisecond,
		Check:     2 * time.Second,
		Batch:     15,
		Recompute: time.Minute,
		Sample:    10 * time.Second,
	}
}

// Limits.
const (
	// MaxDuration bounds the simulated time.
	MaxDuration = 7 * 24 * time.Hour
	// MaxPoPs is the largest network (pathcalc's limit).
	MaxPoPs = pathcalc.MaxNodes
)

// Validate reports the first invalid field by name.
func (c *Config) Validate() error {
	if len(c.Slices) == 0 {
		return errors.New("Slices: no matrix")
	}
	n := c.Slices[0].Len()
	switch {
	case n < 2 || n > MaxPoPs:
		return fmt.Errorf("Slices: %d PoPs, want 2..%d", n, MaxPoPs)
	case c.Duration <= 0 || c.Duration > MaxDuration:
		return fmt.Errorf("Duration: %v not in (0, %v]", c.Duration, MaxDuration)
	case len(c.Slices) > 1 && c.SliceDuration <= 0:
		return fmt.Errorf("SliceDuration: %v must be positive with %d slices", c.SliceDuration, len(c.Slices))
	case !(c.Jitter >= 0 && c.Jitter <= 10):
		return fmt.Errorf("Jitter: %v not in [0, 10]", c.Jitter)
	case !(c.Loss >= 0 && c.Loss <= 1):
		return fmt.Errorf("Loss: %v not in [0, 1]", c.Loss)
	case c.Refresh <= 0 || c.TTL < 2*c.Refresh:
		return fmt.Errorf("Refresh/TTL: %v/%v: want Refresh > 0 and TTL >= 2*Refresh", c.Refresh, c.TTL)
	case c.Tick <= 0 || c.Check < c.Tick || c.Recompute < c.Tick || c.Sample < c.Tick:
		return fmt.Errorf("Tick/Check/Recompute/Sample: %v/%v/%v/%v: want Tick > 0 and the others >= Tick", c.Tick, c.Check, c.Recompute, c.Sample)
	case c.RouteDelay < 0 || c.RouteDelay > c.Duration:
		return fmt.Errorf("RouteDelay: %v not in [0, Duration]", c.RouteDelay)
	case c.Batch < 1 || c.Batch > 3600:
		return fmt.Errorf("Batch: %d not in [1, 3600]", c.Batch)
	case c.Routers < 0 || c.Routers > n:
		return fmt.Errorf("Routers: %d not in [0, %d]", c.Routers, n)
	case c.Workers < 0:
		return fmt.Errorf("Workers: %d must not be negative", c.Workers)
	}
	for i, m := range c.Slices {
		if m.Len() != n {
			return fmt.Errorf("Slices[%d]: %d PoPs, Slices[0] has %d", i, m.Len(), n)
		}
	}
	if err := c.Probe.Validate(); err != nil {
		return err
	}
	if err := c.Path.Validate(); err != nil {
		return fmt.Errorf("Path.%w", err)
	}
	if err := c.Threshold.Validate(); err != nil {
		return fmt.Errorf("Threshold: %w", err)
	}
	if !(c.Urgent.Relative >= 0 && c.Urgent.Relative <= 100) || c.Urgent.Absolute < 0 {
		return fmt.Errorf("Urgent: relative %v (want 0..100), absolute %v (want >= 0)", c.Urgent.Relative, c.Urgent.Absolute)
	}
	if err := c.Gossip.validate(); err != nil {
		return fmt.Errorf("Gossip.%w", err)
	}
	if err := checkEvents(c.Events, n, c.Duration); err != nil {
		return fmt.Errorf("Events: %w", err)
	}
	return nil
}

func (g GossipModel) validate() error {
	switch {
	case g.Base < 0 || g.Spread < 0 || g.PushPull < 0 || g.DeadAfter < 0 || g.JoinDelay < 0:
		return errors.New("Base/Spread/PushPull/DeadAfter/JoinDelay: durations must not be negative")
	case !(g.PerRTT >= 0 && g.PerRTT <= 100):
		return fmt.Errorf("PerRTT: %v not in [0, 100]", g.PerRTT)
	case g.RetransmitMult < 1 || g.RetransmitMult > 100:
		return fmt.Errorf("RetransmitMult: %d not in [1, 100]", g.RetransmitMult)
	}
	return nil
}

// memberlist's defaults as argod configures them (linkstate.Config).
const (
	mlPushPull        = 15 * time.Second
	mlPushPullScaleAt = 32
	mlProbeInterval   = linkstate.DefaultProbeInterval
	mlSuspicionMult   = linkstate.DefaultSuspicionMult
)

// pushPull returns memberlist's push/pull period for n members
// (pushPullScale: stretched by ceil(log2 n - log2 32) + 1 above 32).
func (g GossipModel) pushPull(n int) time.Duration {
	if g.PushPull > 0 {
		return g.PushPull
	}
	if n <= mlPushPullScaleAt {
		return mlPushPull
	}
	mult := math.Ceil(math.Log2(float64(n))-math.Log2(mlPushPullScaleAt)) + 1
	return time.Duration(mult) * mlPushPull
}

// deadAfter returns memberlist's suspicion timeout for n members,
// SuspicionMult * max(1, log10 n) * ProbeInterval, plus the probe round
// that starts the suspicion.
func (g GossipModel) deadAfter(n int) time.Duration {
	if g.DeadAfter > 0 {
		return g.DeadAfter
	}
	scale := max(1, math.Log10(float64(n)))
	return time.Duration(float64(mlSuspicionMult)*scale*float64(mlProbeInterval)) + mlProbeInterval
}

// retransmits returns how often memberlist sends one broadcast per member:
// RetransmitMult * ceil(log10(n+1)).
func (g GossipModel) retransmits(n int) int {
	return g.RetransmitMult * int(math.Ceil(math.Log10(float64(n+1))))
}
