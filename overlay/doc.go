// Package overlay encodes and decodes the fixed 16-byte overlay header that
// precedes every datagram on the argo backbone's overlay port, and decides
// what a PoP does with a received datagram (deliver, relay or drop).
//
// Wire format (all integers big-endian, see DESIGN.md "Overlay header"):
//
//	byte 0      version      0xA1
//	byte 1      type         0 = data, 1 = path probe, 2 = path probe reply
//	byte 2      hop count    1..4: entries used in the hop list
//	byte 3      hop index    the entry that should receive this packet now
//	bytes 4-5   source PoP id
//	bytes 6-7   flow label   (relays keep it unchanged)
//	bytes 8-15  hop list     4 x uint16 PoP ids; the last used entry is the destination
//
// The hop list holds the hops after the source: a sender sets index 0 and
// sends the datagram to hop[0]. A PoP whose id is hop[index] delivers the
// datagram when index == count-1, and otherwise increments index (byte 3, the
// only byte a relay rewrites) and forwards the datagram to hop[index+1].
//
// Probe and probe-reply datagrams carry a 16-byte body after the header, see
// Probe.
//
// The package is pure computation on byte slices: it does no I/O, keeps no
// state, and never allocates on the success path of Parse, Decide, Marshal
// or the probe codecs. It must not grow knowledge of sockets, WireGuard or
// routing policy. Its test vectors (testdata/vectors.json) are shared with
// the XDP program in xdp/; a format change changes DESIGN.md, this package
// and the vectors together.
package overlay
