// Package tunnel is argo's backbone data plane: one wireguard-go device per
// PoP whose peers are all other PoPs, carried over a source-routed overlay
// (see DESIGN.md "The backbone data plane"), plus the on-ramp device for
// stock WireGuard clients.
//
// The backbone device runs on the package's own conn.Bind: one UDP socket
// on the overlay port. When WireGuard sends to a peer PoP, the Bind loads
// the current route table (an atomic pointer to an immutable table),
// prepends the 16-byte overlay header of the active path (package overlay)
// and sends the datagram to the path's first hop, in batches with
// sendmmsg/recvmmsg and without locks or allocations. WireGuard endpoints
// name PoPs ("pop:<id>"), not addresses, so a path change is a pointer swap
// that never touches WireGuard: sessions are end to end, relays never
// decrypt.
//
// On receive, datagrams from addresses that are not a known PoP's underlay
// address are dropped (a relay is never an open reflector). Datagrams for
// this PoP go to WireGuard (data), are answered (path probes) or reach the
// prober (probe replies); transit datagrams are relayed in userspace, for
// hosts where the XDP fast path (package xdp) is not attached. Every drop
// is counted by reason (Stats, Prometheus argo_tunnel_*).
//
// Path probes travel every primary and backup path and measure its RTT and
// loss (PathStats); a path whose probes fail is taken out of use at once in
// favour of the next backup, and reported (Config.OnPathDown) so that the
// path computation can react. SendEcho offers one-hop liveness echoes to the
// prober.
//
// SetPrefixes installs kernel routes and WireGuard AllowedIPs for the
// prefixes other PoPs serve. The OnRamp is a standard wireguard-go device;
// client traffic enters the PoP's kernel and follows those routes.
//
// The package must not compute paths (pathcalc does), talk BGP, or touch
// the global Prometheus registry or slog default logger. It does not set
// ip_forward: the PoP's namespace must forward (net.ipv4.ip_forward=1)
// between the on-ramp, the backbone and the origin interfaces.
package tunnel
