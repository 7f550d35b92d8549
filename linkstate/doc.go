// Package linkstate distributes every PoP's link table to every other PoP and
// keeps the newest table of each PoP, so that pathcalc can build the full
// graph of the overlay.
//
// The package has three layers:
//
//   - Table and Link, with a compact, versioned, canonical binary codec
//     (MarshalBinary / UnmarshalBinary, format below). Decoding treats its
//     input as hostile: every count, length and value is bounded and an error
//     names the field and the byte offset at fault.
//   - Store: the newest table per origin PoP, with time-to-live expiry and
//     tombstones. It has no clock and no transport, so the discrete-event
//     simulator (sim/) drives it in virtual time.
//   - Gossip: a hashicorp/memberlist cluster (encrypted and authenticated
//     with a shared key) that publishes the local table, receives the others
//     and keeps a Store up to date. Membership failure detection removes
//     crashed PoPs; push/pull anti-entropy lets late joiners and healed
//     partitions catch up.
//
// What the package must not do: compute paths (pathcalc/ does), probe links
// (prober/ does), touch the data plane, or trust anything received from the
// network before it is decoded and validated. Tables received from the network
// that claim this PoP as their origin are never accepted.
//
// # Table binary format, version 1
//
// Fixed-width integers are big-endian; "uvarint" is encoding/binary's
// unsigned varint and must be minimal (no redundant 0x80 continuation bytes).
// The encoding is canonical: a valid table has exactly one encoding, and
// decoding then re-encoding yields the same bytes.
//
//	offset  size    field
//	0       2       magic "LS" (0x4C 0x53)
//	2       1       format version (1)
//	3       1       flags: bit 0 = draining; bits 1-7 must be zero
//	4       2       origin PoP id
//	6       8       table version
//	14      uvarint link count (<= MaxLinks)
//	        per link, sorted by peer, peers unique:
//	          1       link flags: bit 0 = up, bit 1 = loss follows; bits 2-7 zero
//	          uvarint peer: first link the peer id, later links the difference
//	                  to the previous peer (>= 1); peer != origin, <= 65535
//	          uvarint RTT in nanoseconds (<= MaxRTT)
//	          uvarint jitter in nanoseconds (<= MaxJitter)
//	          8       loss as IEEE 754 float64, only when flag bit 1 is set;
//	                  then 0 < loss <= 1 (a zero loss is encoded by omission)
//	        uvarint prefix count (<= MaxPrefixes)
//	        per prefix, sorted (netip.Prefix.Compare), unique:
//	          1       family: 4 or 6
//	          1       prefix length (<= 32 or <= 128)
//	          n       the first n = (length+7)/8 address bytes; bits past the
//	                  prefix length must be zero
//	end     the input must end here (no trailing bytes)
//
// The whole encoding is at most MaxTableBytes long.
//
// # Gossip messages
//
// User messages (memberlist NotifyMsg) and push/pull state (LocalState /
// MergeRemoteState) wrap tables in an envelope that names the origin's
// memberlist node name, so a receiver can check the origin PoP id against
// the node meta of that member:
//
//	message: kind (1 = gossip; 2 = direct, sent to one member)
//	         | name length (1..MaxNameLen) | name | table
//	state:   kind 3 | uvarint count (<= MaxStateTables)
//	         | count x (name length | name | uvarint table length | table)
//
// # Dissemination
//
//   - A table whose message fits into one memberlist UDP packet (up to 1024
//     bytes, about 100 links) is piggybacked on memberlist's gossip through
//     this package's own transmit-limited queue (memberlist's loses
//     messages, see queue.go): epidemic gossip, and every receiver that
//     learns a newer version queues it again, however it learned it
//     (gossip, direct send or push/pull). A larger table is sent by its
//     origin directly to every member over memberlist's encrypted TCP
//     stream.
//   - The own table is broadcast at once when it changed significantly
//     (Significant, Config.Threshold), else re-sent with a new version every
//     RefreshInterval. Tables not renewed within the TTL are dropped.
//   - Every member that joins (or rejoins) gets the own table directly at
//     once; push/pull anti-entropy (memberlist LocalState/MergeRemoteState)
//     carries every known table, so that late joiners and the two sides of
//     a healed partition catch up. Unreachable seeds and dead members are
//     retried every ReconnectInterval.
//   - A member declared dead or leaving has its table dropped; the removed
//     version is remembered (Store tombstones), so that copies still in
//     flight cannot bring it back. If the member comes back (a false
//     suspicion refuted), its table is restored until a newer one arrives.
//   - Received tables are checked against membership: a table claiming this
//     PoP as origin, a table whose origin id differs from the node meta of
//     the member it names, or whose id another live member claims, is
//     rejected and counted.
package linkstate
