package report

import "time"

// Report is what report.json holds. Times are seconds or milliseconds
// relative to the start of the timeline, as the field names say.
type Report struct {
	Scenario    string    `json:"scenario"`
	Description string    `json:"description,omitempty"`
	Started     time.Time `json:"started"`
	DurationSec float64   `json:"duration_sec"`
	Interrupted string    `json:"interrupted,omitempty"`
	Pops        []Pop     `json:"pops"`
	Settings    Settings  `json:"argod_settings"`
	// ArgodStartSec is when the argods were started (negative: before
	// the timeline).
	ArgodStartSec float64       `json:"argod_start_sec"`
	Convergence   Convergence   `json:"convergence"`
	Overall       Overall       `json:"overall"`
	Flows         []Flow        `json:"flows"`
	Events        []Event       `json:"events"`
	RouteChanges  int           `json:"route_changes"`
	Flaps         int           `json:"flaps"`
	Crashes       []string      `json:"argod_crashes,omitempty"`
	Fabric        *FabricReport `json:"fabric,omitempty"`
	Summary       []string      `json:"summary"`
	Routes        []Route       `json:"routes"`
}

// Pop is one PoP of the scenario.
type Pop struct {
	Name string `json:"name"`
	ID   uint16 `json:"id"`
	City string `json:"city,omitempty"`
}

// Stats summarises probes: RTT percentiles over the echoed ones.
type Stats struct {
	Sent     int     `json:"sent"`
	Received int     `json:"received"`
	Lost     int     `json:"lost"`
	LossPct  float64 `json:"loss_pct"`
	MinMs    float64 `json:"min_ms"`
	MeanMs   float64 `json:"mean_ms"`
	P50Ms    float64 `json:"p50_ms"`
	P90Ms    float64 `json:"p90_ms"`
	P99Ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
}

// Overall compares overlay and direct over every flow's probes.
type Overall struct {
	Overlay Stats `json:"overlay"`
	Direct  Stats `json:"direct"`
	// GainPct is how much lower the overlay's median RTT is (negative:
	// higher).
	GainPct float64 `json:"median_gain_pct"`
}

// Flow is one measured flow.
type Flow struct {
	Name    string  `json:"name"`
	Client  string  `json:"client"`
	Origin  string  `json:"origin"`
	Ingress string  `json:"ingress"`
	Egress  string  `json:"egress"`
	Rate    int     `json:"rate"`
	Size    int     `json:"size"`
	Overlay Stats   `json:"overlay"`
	Direct  Stats   `json:"direct"`
	GainPct float64 `json:"median_gain_pct"`
	// Forward is the ingress's route to the egress over time, Reverse the
	// egress's route back.
	Forward      []PathSpan `json:"forward"`
	Reverse      []PathSpan `json:"reverse"`
	RouteChanges int        `json:"route_changes"`
	Flaps        int        `json:"flaps"`
	Packets      Packets    `json:"packets"`
}

// PathSpan is a path in use from AtSec on.
type PathSpan struct {
	AtSec  float64  `json:"at_sec"`
	Path   []string `json:"path"`
	Reason string   `json:"reason"`
}

// Packets holds every probe: send time (ms) and RTT (ms, -1 if lost).
type Packets struct {
	OverlaySentMs []float64 `json:"overlay_sent_ms"`
	OverlayRTTMs  []float64 `json:"overlay_rtt_ms"`
	DirectSentMs  []float64 `json:"direct_sent_ms"`
	DirectRTTMs   []float64 `json:"direct_rtt_ms"`
}

// Event is one timeline event and what it did to each flow.
type Event struct {
	Index      int         `json:"index"`
	AtSec      float64     `json:"at_sec"`
	AppliedSec float64     `json:"applied_sec"`
	Action     string      `json:"action"`
	Target     string      `json:"target"`
	Detail     string      `json:"detail,omitempty"`
	Kind       string      `json:"kind"` // failure, recovery or change
	Status     string      `json:"status"`
	Note       string      `json:"note,omitempty"`
	Flows      []EventFlow `json:"flows"`
}

// Event kinds.
const (
	KindFailure  = "failure"  // the element got worse: cut, kill, drain, more loss or delay
	KindRecovery = "recovery" // restore, restart, undrain, less loss or delay
)

// EventFlow is an event's effect on one flow. Times are milliseconds after
// the event took effect; nil when it did not happen before the next event
// (or the end).
type EventFlow struct {
	Flow string `json:"flow"`
	// Affected: the event hit a path the flow used (failures), or a
	// path the flow moved to afterwards (recoveries).
	Affected    bool     `json:"affected"`
	Directions  string   `json:"directions,omitempty"` // forward, reverse or both
	OldPath     []string `json:"old_path,omitempty"`
	NewPath     []string `json:"new_path,omitempty"`
	DetectionMs *float64 `json:"detection_ms,omitempty"`
	SwitchMs    *float64 `json:"switch_ms,omitempty"`
	FailoverMs  *float64 `json:"failover_ms,omitempty"`
	Lost        int      `json:"lost"`
	DirectLost  int      `json:"direct_lost"`
	Note        string   `json:"note,omitempty"`
}

// Convergence says how fast and how well the routes settled at start.
type Convergence struct {
	// ReachableSec: since argod start, until every PoP had a route to
	// every other PoP (nil: never before the timeline).
	ReachableSec *float64 `json:"reachable_sec"`
	// OptimalSec: since argod start, from when on every route was within
	// the hysteresis margin of the emulated optimum until the timeline
	// started (nil: not reached).
	OptimalSec *float64 `json:"optimal_sec"`
	Pairs      int      `json:"pairs"`
	// At the start of the timeline:
	Optimal      int         `json:"optimal"`
	WithinMargin int         `json:"within_margin"`
	Worse        []PairRoute `json:"worse,omitempty"`
	RelayPairs   int         `json:"relay_pairs"` // pairs routed through a relay
	Model        string      `json:"cost_model"`
}

// PairRoute compares a chosen path with the emulated optimum.
type PairRoute struct {
	From       string   `json:"from"`
	To         string   `json:"to"`
	Path       []string `json:"path"`
	CostMs     float64  `json:"cost_ms"`
	Best       []string `json:"best"`
	BestCostMs float64  `json:"best_cost_ms"`
}

// FabricReport is the emulator's view of the run.
type FabricReport struct {
	Forwarded     uint64  `json:"forwarded"`
	Lost          uint64  `json:"lost_by_loss_model"`
	Cut           uint64  `json:"dropped_on_cut_links"`
	QueueDrops    uint64  `json:"queue_drops"`
	Overflow      uint64  `json:"overflow"`
	Late          uint64  `json:"late_over_250us"`
	MaxLatenessMs float64 `json:"max_lateness_ms"`
	RingDrops     uint64  `json:"ring_drops"`
}

// Route is one PoP's route history to a destination.
type Route struct {
	Pop     string     `json:"pop"`
	Dst     string     `json:"dst"`
	Changes []PathSpan `json:"changes"`
}
