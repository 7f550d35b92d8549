package report

import (
	"time"

	"github.com/argonet/argo/sim/fabric"
	"github.com/argonet/argo/sim/flow"
	"github.com/argonet/argo/sim/scenario"
)

// Input is everything a run recorded.
type Input struct {
	Scenario *scenario.Scenario
	Settings Settings
	// Start is the zero of the timeline; ArgodStart when the argods were
	// started (before Start); End when measuring stopped.
	Start, ArgodStart, End time.Time
	// Interrupted says why the run stopped early ("" if it did not).
	Interrupted string
	Flows       []FlowInput
	Routes      []RouteHistory
	Events      []AppliedEvent
	Fabric      *fabric.Stats // nil if unavailable
	// Crashes lists argod processes that exited without being killed.
	Crashes []string
}

// Settings are the argod settings the run used, for the analysis and the
// report.
type Settings struct {
	MaxHops            int     `json:"max_hops"`
	ProbeIntervalMs    float64 `json:"probe_interval_ms"`
	PathProbeMs        float64 `json:"path_probe_interval_ms"`
	JitterFactor       float64 `json:"jitter_factor"`
	RetransmitMs       float64 `json:"retransmit_penalty_ms"`
	RelayCostMs        float64 `json:"relay_cost_ms"`
	MaxLoss            float64 `json:"max_loss"`
	HysteresisRelative float64 `json:"hysteresis_relative"`
	HysteresisAbsMs    float64 `json:"hysteresis_absolute_ms"`
	HysteresisHoldSec  float64 `json:"hysteresis_hold_sec"`
}

// FlowInput is one flow's probes.
type FlowInput struct {
	Name, Client, Origin string
	Ingress, Egress      string // the client's and the origin's PoP
	Rate, Size           int
	Overlay, Direct      flow.Series
}

// RouteHistory is what one PoP's argod said about its route to Dst over
// time: every change of the path in use.
type RouteHistory struct {
	Pop, Dst string
	Changes  []RouteChange
}

// RouteChange is the path in use from some moment on.
type RouteChange struct {
	At time.Time
	// Path is the path traffic takes (the data plane's active path when
	// known, else pathcalc's primary); nil when unreachable.
	Path    []string
	Reason  string
	CostMs  float64
	Polled  bool // At is when the poll saw the change (not argod's own timestamp)
	Primary []string
}

// AppliedEvent is one timeline event as the run carried it out.
type AppliedEvent struct {
	Index  int // in Scenario.Events
	Event  scenario.Event
	Done   time.Time // when the change took effect
	Status string    // "applied", "skipped" or "failed"
	Note   string
}

// Event statuses.
const (
	Applied = "applied"
	Skipped = "skipped"
	Failed  = "failed"
)
