// Package lab builds and tears down the emulated world of one argosim run:
// a WAN fabric (package fabric) joining one network namespace per PoP, a
// namespace per client (a veth to its PoP, a subnet the PoP serves) and per
// origin (a veth behind its PoP, the origin's prefix), WireGuard keys and a
// gossip secret, one validated argod configuration per PoP, and the argod
// processes themselves (`ip netns exec NS argod --config FILE`), which it
// can kill and restart.
//
// Naming: every namespace of a run starts with the run's ID,
// "argosim-r<pid>-<6 hex>", where pid is the process that owns the run;
// its work directory (configs, keys, API sockets, logs) is
// $TMPDIR/<ID>. CleanStale removes what runs whose owner died left behind
// (namespaces, the processes in them, the fabric forwarder, work
// directories); CleanAll removes every run's leftovers.
//
// Addresses (inside the run's own namespaces only): PoP underlay addresses
// in 198.18.128.0/20 on the fabric, client subnets 100.96.0.0/12 (one /24
// per client, PoP side .1, client .2), each origin's scenario prefix (PoP
// side first host, origin second host).
//
// What it must not do: touch namespaces, interfaces or processes of other
// runs except through the Clean functions, leave a half-built world behind
// when Up fails, or measure anything (packages flow and runner do that).
package lab
