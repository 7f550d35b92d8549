// Package report turns what an argosim run recorded into what it means:
// per-flow RTT and loss statistics for the overlay and the direct path,
// per-event detection, switch and failover times and the packets lost, route
// changes and flaps, how close the routes at start were to the optimum of
// the emulated matrix, and a short summary a newcomer understands. It
// writes report.json, report.md and plots (SVG and PNG, gonum.org/v1/plot):
// RTT over time per flow with events and path changes marked, and the CDF
// of overlay against direct RTT.
//
// Definitions (all times relative to the start of the timeline):
//   - detection: from the event to the first change of a route it affected
//     (the ingress's route to the egress, or the egress's route back);
//   - switch: until every affected direction is on a path avoiding the
//     failed link or PoP;
//   - failover: until the send time of the first probe delivered on the new
//     path (for cuts and kills, the first probe echoed after the event; for
//     a degraded link, the first one echoed after the switch);
//   - lost: probes sent between the event and the failover that were never
//     echoed.
//
// It must not run or touch anything: Build is a pure function of its Input,
// and Write only writes files in the directory it is given.
package report
