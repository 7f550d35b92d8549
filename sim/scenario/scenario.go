package scenario

import (
	"net/netip"
	"time"
)

// Scenario is a parsed and validated scenario file.
type Scenario struct {
	File        string // name given to Parse, used in error messages
	Name        string
	Description string
	Duration    time.Duration
	Pops        []Pop
	Links       Links
	Clients     []Client
	Origins     []Origin
	Events      []Event // in time order (stable for equal times)
	Flows       []Flow
	Probe       Probe             // prober overrides; zero fields keep argod's defaults
	Argod       map[string]string // argod setting overrides, "section.key": value, checked by argod
}

// Pop is a point of presence.
type Pop struct {
	Name string
	ID   uint16 // overlay PoP id, 1..65535
	City string
	Lat  *float64 // optional
	Lon  *float64 // optional
	Line int
}

// GilbertElliott is a two-state bursty loss model (see fabric.GilbertElliott).
type GilbertElliott struct {
	P, R, GoodLoss, BadLoss float64
}

// MeanLoss returns the stationary loss probability of the model.
func (g GilbertElliott) MeanLoss() float64 {
	if g.P+g.R == 0 {
		return g.GoodLoss
	}
	return (g.R*g.GoodLoss + g.P*g.BadLoss) / (g.P + g.R)
}

// LinkSpec is one direction of an emulated link.
type LinkSpec struct {
	Delay   time.Duration // one-way
	Jitter  time.Duration
	Loss    float64 // Bernoulli, 0..1
	GE      *GilbertElliott
	RateBps uint64 // 0 = unlimited
}

// MeanLoss returns the link's stationary loss probability.
func (l LinkSpec) MeanLoss() float64 {
	if l.GE != nil {
		return l.GE.MeanLoss()
	}
	return l.Loss
}

// Link configures the link From -> To, and To -> From too when Symmetric.
type Link struct {
	From, To  string
	Symmetric bool
	LinkSpec
	Line int
}

// Links holds the default for unlisted pairs and the listed pairs.
type Links struct {
	Default LinkSpec
	Pairs   []Link
}

// Client is a traffic source attached to a PoP.
type Client struct {
	Name, Pop string
	Line      int
}

// Origin is a server network behind a PoP.
type Origin struct {
	Name, Pop string
	Prefix    netip.Prefix
	Line      int
}

// Action is what an event does.
type Action string

// Event actions.
const (
	SetLink     Action = "set_link"     // change some parameters of a link
	CutLink     Action = "cut_link"     // take a link down
	RestoreLink Action = "restore_link" // back to its configured parameters, up
	KillPop     Action = "kill_pop"     // kill the PoP's argod
	RestartPop  Action = "restart_pop"  // start it again
	DrainPop    Action = "drain_pop"    // ask argod to stop attracting traffic
	UndrainPop  Action = "undrain_pop"  // and to attract it again
)

// LinkPatch lists the link parameters a set_link event changes; nil keeps
// the current value.
type LinkPatch struct {
	Delay   *time.Duration
	Jitter  *time.Duration
	Loss    *float64
	GE      *GilbertElliott
	RateBps *uint64
}

// Apply returns l with the patch's fields replaced. Setting Loss clears GE
// and setting GE clears Loss.
func (p LinkPatch) Apply(l LinkSpec) LinkSpec {
	if p.Delay != nil {
		l.Delay = *p.Delay
	}
	if p.Jitter != nil {
		l.Jitter = *p.Jitter
	}
	if p.Loss != nil {
		l.Loss, l.GE = *p.Loss, nil
	}
	if p.GE != nil {
		g := *p.GE
		l.GE, l.Loss = &g, 0
	}
	if p.RateBps != nil {
		l.RateBps = *p.RateBps
	}
	return l
}

// Event is one step of the timeline.
type Event struct {
	At        time.Duration
	Action    Action
	From, To  string // link events
	Symmetric bool   // link events: both directions
	Pop       string // PoP events
	Set       LinkPatch
	Line      int
}

// Flow is synthetic traffic from a client to an origin.
type Flow struct {
	Name           string
	Client, Origin string
	Rate           int // packets per second
	Size           int // payload bytes
	Line           int
}

// Probe overrides the prober's settings.
type Probe struct {
	Interval time.Duration
	Timeout  time.Duration
}

// Defaults applied by Parse.
const (
	DefaultFlowRate = 50  // packets per second
	DefaultFlowSize = 512 // payload bytes
)

// Target names the element the event acts on: "par" for a PoP, "lon↔nyc"
// for both directions of a link, "fra→sin" for one.
func (e Event) Target() string {
	if e.Pop != "" {
		return e.Pop
	}
	if e.Symmetric {
		return e.From + "↔" + e.To
	}
	return e.From + "→" + e.To
}
