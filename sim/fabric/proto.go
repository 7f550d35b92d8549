package fabric

import (
	"encoding/json"
	"fmt"
	"io"
)

// The parent (NewFabric) controls the forwarder process with JSON messages
// over a stream socketpair: one request, one response, in turn.

// Request operations.
const (
	opInit  = "init"  // create the sockets in Init.Netns and start forwarding
	opPort  = "port"  // attach Port, with Params for its new links
	opLink  = "link"  // set the parameters of link From -> To
	opStats = "stats" // return the counters
	opStop  = "stop"  // stop forwarding and exit
)

// maxMessage bounds one control message.
const maxMessage = 16 << 20

// request is a parent-to-forwarder message.
type request struct {
	Op     string      `json:"op"`
	Init   *initMsg    `json:"init,omitempty"`
	Port   *wirePort   `json:"port,omitempty"`
	From   int         `json:"from,omitempty"`
	To     int         `json:"to,omitempty"`
	Params *LinkParams `json:"params,omitempty"`
}

// initMsg configures the forwarder process.
type initMsg struct {
	Netns      string `json:"netns"` // path of the fabric namespace
	PoolSize   int    `json:"pool_size"`
	RingFrames int    `json:"ring_frames"`
	Seed       uint64 `json:"seed"`
	RTPrio     int    `json:"rt_prio"`
}

// wirePort describes a node's fabric port.
type wirePort struct {
	Idx     int     `json:"idx"`
	Name    string  `json:"name"`
	Ifindex int     `json:"ifindex"`
	MAC     [6]byte `json:"mac"`
	PeerMAC [6]byte `json:"peer_mac"`
	Addr    uint32  `json:"addr"`
}

// response is a forwarder-to-parent message.
type response struct {
	Err   string     `json:"err,omitempty"`
	Stats *wireStats `json:"stats,omitempty"`
	Warn  string     `json:"warn,omitempty"` // non-fatal problem to log
}

// wireStats carries the forwarder's counters; links by port index.
type wireStats struct {
	Links       []wireLinkStats `json:"links"`
	InFlight    int             `json:"in_flight"`
	ARPReplies  uint64          `json:"arp_replies"`
	NonIPv4     uint64          `json:"non_ipv4"`
	Malformed   uint64          `json:"malformed"`
	NoRoute     uint64          `json:"no_route"`
	UnknownPort uint64          `json:"unknown_port"`
	Oversize    uint64          `json:"oversize"`
	TxErrors    uint64          `json:"tx_errors"`
	RingDrops   uint64          `json:"ring_drops"`
	Late        uint64          `json:"late"`
	MaxLateNs   int64           `json:"max_late_ns"`
}

type wireLinkStats struct {
	From, To   int
	Forwarded  uint64
	Bytes      uint64
	Lost       uint64
	Cut        uint64
	QueueDrops uint64
	Overflow   uint64
}

// readRequest decodes and checks one request. Errors name the field at fault.
func readRequest(dec *json.Decoder) (request, error) {
	var r request
	if err := dec.Decode(&r); err != nil {
		if err == io.EOF {
			return r, err
		}
		return r, fmt.Errorf("control message: %w", err)
	}
	return r, r.check()
}

func (r request) check() error {
	switch r.Op {
	case opInit:
		if r.Init == nil {
			return fmt.Errorf("%s: missing field init", r.Op)
		}
		if r.Init.Netns == "" {
			return fmt.Errorf("%s: empty init.netns", r.Op)
		}
		if r.Init.PoolSize < txBatchSize || r.Init.PoolSize > 1<<20 {
			return fmt.Errorf("%s: init.pool_size %d outside [%d, %d]", r.Op, r.Init.PoolSize, txBatchSize, 1<<20)
		}
		if r.Init.RingFrames < 32 || r.Init.RingFrames > 1<<16 {
			return fmt.Errorf("%s: init.ring_frames %d outside [32, 65536]", r.Op, r.Init.RingFrames)
		}
		if r.Init.RTPrio < 0 || r.Init.RTPrio > 99 {
			return fmt.Errorf("%s: init.rt_prio %d outside [0, 99]", r.Op, r.Init.RTPrio)
		}
	case opPort:
		if r.Port == nil {
			return fmt.Errorf("%s: missing field port", r.Op)
		}
		if r.Port.Ifindex <= 0 {
			return fmt.Errorf("%s: port.ifindex %d not positive", r.Op, r.Port.Ifindex)
		}
		if r.Params == nil {
			return fmt.Errorf("%s: missing field params", r.Op)
		}
		if err := r.Params.Validate(); err != nil {
			return fmt.Errorf("%s: params: %w", r.Op, err)
		}
	case opLink:
		if r.Params == nil {
			return fmt.Errorf("%s: missing field params", r.Op)
		}
		if err := r.Params.Validate(); err != nil {
			return fmt.Errorf("%s: params: %w", r.Op, err)
		}
	case opStats, opStop:
	default:
		return fmt.Errorf("unknown op %q", r.Op)
	}
	return nil
}
