package fabric

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// envForwarder marks a process started by NewFabric as a forwarder.
const envForwarder = "ARGOSIM_FABRIC_FORWARDER"

// controlFd is the forwarder process's end of the control socketpair.
const controlFd = 3

// MaybeForwarder makes the current binary usable as a fabric forwarder: if
// the process was started by NewFabric as one, MaybeForwarder runs the
// forwarder and exits; otherwise it returns at once. Call it first thing in
// main() of every program, and in TestMain of every test binary, that calls
// NewFabric.
//
// Why a separate process: every thread of the forwarder process runs with
// SCHED_FIFO priority, so that the Go scheduler never waits for an ordinary
// thread (busy compilers, the simulator's own work) to put the forwarder
// back on a CPU; in-process, that wait delayed packets by up to 20 ms on a
// loaded machine.
func MaybeForwarder() {
	if os.Getenv(envForwarder) != "1" {
		return
	}
	os.Exit(forwarderMain(os.NewFile(controlFd, "fabric-control")))
}

// forwarderMain is the forwarder process: the main goroutine runs the data
// path on a locked thread inside the fabric namespace; a second goroutine
// serves the control socket. It returns the exit code.
func forwarderMain(ctl *os.File) int {
	runtime.LockOSThread() // never unlocked: this thread enters the fabric netns
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("component", "fabric-forwarder")
	dec := json.NewDecoder(io.LimitReader(ctl, 1<<40))
	enc := json.NewEncoder(ctl)
	req, err := readRequest(dec)
	if err == nil && req.Op != opInit {
		err = fmt.Errorf("first control message is %q, want %q", req.Op, opInit)
	}
	if err != nil {
		_ = enc.Encode(response{Err: err.Error()})
		return 1
	}
	c := &child{fw: newForwarder(req.Init.PoolSize, req.Init.Seed, log)}
	warn, err := c.init(req.Init)
	if err != nil {
		_ = enc.Encode(response{Err: err.Error()})
		return 1
	}
	if err := enc.Encode(response{Warn: warn}); err != nil {
		return 1
	}
	go c.serve(dec, enc)
	c.fw.loop()
	return 0
}

// child is the forwarder process's state.
type child struct {
	fw    *forwarder
	ports []*port
	links map[[2]int]*link
}

// init enters the fabric namespace, opens the sockets and raises every
// thread of the process to SCHED_FIFO. A failure to get real-time priority
// is returned as a warning.
func (c *child) init(m *initMsg) (warn string, err error) {
	c.links = map[[2]int]*link{}
	ns, err := netns.GetFromPath(m.Netns)
	if err != nil {
		return "", fmt.Errorf("open netns %s: %w", m.Netns, err)
	}
	defer ns.Close()
	if err := netns.Set(ns); err != nil {
		return "", fmt.Errorf("enter netns %s: %w", m.Netns, err)
	}
	if err := c.fw.openWake(); err != nil {
		return "", err
	}
	if err := c.fw.open(m.RingFrames); err != nil {
		return "", err
	}
	runtime.GOMAXPROCS(max(4, runtime.NumCPU())) // keep idle Ps for syscall returns
	if err := makeRealtime(m.RTPrio); err != nil {
		return fmt.Sprintf("forwarder keeps the normal scheduler: %v", err), nil
	}
	if err := allThreadsRealtime(m.RTPrio); err != nil {
		return fmt.Sprintf("runtime threads keep the normal scheduler: %v", err), nil
	}
	return "", nil
}

// allThreadsRealtime gives every thread of the process SCHED_FIFO priority
// prio; threads created later inherit it.
func allThreadsRealtime(prio int) error {
	if prio <= 0 {
		return nil
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	var errs []error
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		attr := unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_FIFO, Priority: uint32(prio)}
		if err := unix.SchedSetAttr(tid, &attr, 0); err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, fmt.Errorf("thread %d: %w", tid, err))
		}
	}
	return errors.Join(errs...)
}

// serve answers control requests until stop or until the parent goes away,
// then stops the data path.
func (c *child) serve(dec *json.Decoder, enc *json.Encoder) {
	defer func() {
		c.fw.stop.Store(true)
		c.fw.wake()
	}()
	for {
		req, err := readRequest(dec)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return
			}
			if enc.Encode(response{Err: err.Error()}) != nil {
				return
			}
			if _, syntax := errors.AsType[*json.SyntaxError](err); syntax {
				return // the stream is out of step: give up
			}
			continue
		}
		resp := c.handle(req)
		if enc.Encode(resp) != nil || req.Op == opStop {
			return
		}
	}
}

// handle applies one checked request.
func (c *child) handle(r request) response {
	switch r.Op {
	case opPort:
		if err := c.addPort(r.Port, *r.Params); err != nil {
			return response{Err: err.Error()}
		}
	case opLink:
		l, ok := c.links[[2]int{r.From, r.To}]
		if !ok {
			return response{Err: fmt.Sprintf("link: no link from port %d to port %d", r.From, r.To)}
		}
		l.params.Store(compile(*r.Params))
	case opStats:
		return response{Stats: c.stats()}
	case opInit:
		return response{Err: "init: already initialised"}
	}
	return response{}
}

// addPort attaches a port and creates its links to and from every existing
// port with params.
func (c *child) addPort(wp *wirePort, params LinkParams) error {
	if wp.Idx != len(c.ports) {
		return fmt.Errorf("port: idx %d, want %d", wp.Idx, len(c.ports))
	}
	for _, p := range c.ports {
		if p.ifindex == wp.Ifindex || p.addr == wp.Addr {
			return fmt.Errorf("port: ifindex %d or addr %#x already used by port %d", wp.Ifindex, wp.Addr, p.idx)
		}
	}
	p := &port{idx: wp.Idx, name: wp.Name, ifindex: wp.Ifindex, mac: wp.MAC, peerMAC: wp.PeerMAC, addr: wp.Addr}
	for _, q := range c.ports {
		for _, k := range [][2]*port{{p, q}, {q, p}} {
			l := &link{from: k[0].name, to: k[1].name}
			l.params.Store(compile(params))
			c.links[[2]int{k[0].idx, k[1].idx}] = l
		}
	}
	c.ports = append(c.ports, p)
	c.fw.table.Store(buildTable(c.ports, c.links))
	return nil
}

// buildTable makes the forwarder's immutable view of ports and links.
func buildTable(ports []*port, links map[[2]int]*link) *portTable {
	pt := &portTable{
		byIfindex: make(map[int]*port, len(ports)),
		byAddr:    make(map[uint32]*port, len(ports)),
		links:     make([][]*link, len(ports)),
	}
	for _, p := range ports {
		pt.byIfindex[p.ifindex] = p
		pt.byAddr[p.addr] = p
		pt.links[p.idx] = make([]*link, len(ports))
		for _, q := range ports {
			if q != p {
				pt.links[p.idx][q.idx] = links[[2]int{p.idx, q.idx}]
			}
		}
	}
	return pt
}

func (c *child) stats() *wireStats {
	s := &wireStats{Links: make([]wireLinkStats, 0, len(c.links))}
	for k, l := range c.links {
		s.Links = append(s.Links, wireLinkStats{
			From: k[0], To: k[1],
			Forwarded: l.forwarded.Load(), Bytes: l.bytes.Load(),
			Lost: l.lost.Load(), Cut: l.cut.Load(),
			QueueDrops: l.queueDrops.Load(), Overflow: l.overflow.Load(),
		})
	}
	cnt := &c.fw.cnt
	cnt.ringDrops.Add(c.fw.rx.drops())
	s.InFlight = int(c.fw.inFlight.Load())
	s.ARPReplies = cnt.arpReplies.Load()
	s.NonIPv4 = cnt.nonIPv4.Load()
	s.Malformed = cnt.malformed.Load()
	s.NoRoute = cnt.noRoute.Load()
	s.UnknownPort = cnt.unknownPort.Load()
	s.Oversize = cnt.oversize.Load()
	s.TxErrors = cnt.txErrors.Load()
	s.RingDrops = cnt.ringDrops.Load()
	s.Late = cnt.late.Load()
	s.MaxLateNs = cnt.maxLateNs.Load()
	return s
}
