// Package flow measures what a user of the overlay sees: a UDP echo at a
// fixed rate from a client to an origin, every packet's round-trip time or
// its loss, with send timestamps.
//
// A Sender paces numbered probe packets (see Header for the wire format) to
// an echo Server and records, per sequence number, when the packet left and
// its round-trip time, taken from the kernel's receive timestamp
// (SO_TIMESTAMPNS) minus the send time written into the packet. The Server
// returns every valid probe to its sender unchanged. Both work on UDP
// sockets that the caller opened, typically inside network namespaces, and
// neither allocates per packet.
//
// What it must not do: decide what the numbers mean (package report does),
// echo anything that is not a well-formed probe (it must not be a
// reflector), or block the caller beyond Run.
package flow
