package fabric

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Defaults for the options.
const (
	DefaultPoolSize         = 16384 // frames in flight (2 KiB each)
	DefaultRealtimePriority = 10    // SCHED_FIFO priority of the forwarder process
	ringFrames              = 4096
	controlTimeout          = 10 * time.Second
)

// nameRE restricts fabric names so that namespace and metric labels stay sane.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// Fabric is an emulated WAN between PoP network namespaces. Its methods are
// safe for concurrent use.
type Fabric struct {
	name   string
	nsName string
	log    *slog.Logger
	reg    prometheus.Registerer
	coll   prometheus.Collector

	mu     sync.Mutex // guards everything below and the control socket
	closed bool
	ns     netns.NsHandle
	nl     *netlink.Handle // netlink in the fabric namespace
	ctlFd  int             // AF_INET socket in the fabric namespace, for ethtool
	ports  []*port
	byName map[string]*port
	links  map[[2]int]*linkCtl
	def    LinkParams

	cmd    *exec.Cmd // the forwarder process
	conn   net.Conn  // control socket to it
	enc    *json.Encoder
	dec    *json.Decoder
	exited chan struct{} // closed when the forwarder process has been reaped
}

type options struct {
	reg      prometheus.Registerer
	poolSize int
	seed     uint64
	rtPrio   int
}

// Option configures NewFabric.
type Option func(*options)

// WithRegisterer registers the fabric's metrics (label fabric=<name>) with r.
func WithRegisterer(r prometheus.Registerer) Option { return func(o *options) { o.reg = r } }

// WithPoolSize sets how many frames can be in flight at once (2 KiB each);
// frames beyond are dropped and counted as overflow.
func WithPoolSize(n int) Option { return func(o *options) { o.poolSize = n } }

// WithSeed makes the loss and jitter draws reproducible.
func WithSeed(seed uint64) Option { return func(o *options) { o.seed = seed } }

// WithRealtimePriority sets the forwarder process's SCHED_FIFO priority
// (1-99); 0 keeps the normal scheduler. Failure to get it is logged.
func WithRealtimePriority(prio int) Option { return func(o *options) { o.rtPrio = prio } }

// NewFabric creates the network namespace "<name>-fabric" and starts the
// forwarder process in it (a copy of the running binary, which must call
// MaybeForwarder first thing). name should carry the run's common prefix
// (for example "argosim-<runid>") so that Clean can find what a crashed run
// left behind.
func NewFabric(name string, log *slog.Logger, opts ...Option) (*Fabric, error) {
	if os.Getenv(envForwarder) != "" {
		return nil, errors.New("fabric: this process was started as a forwarder but did not call fabric.MaybeForwarder first")
	}
	if !nameRE.MatchString(name) {
		return nil, fmt.Errorf("fabric name %q: want 1-64 of [A-Za-z0-9_.-], starting with a letter or digit", name)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	o := options{poolSize: DefaultPoolSize, seed: uint64(time.Now().UnixNano()), rtPrio: DefaultRealtimePriority}
	for _, opt := range opts {
		opt(&o)
	}
	if o.poolSize < txBatchSize || o.poolSize > 1<<20 {
		return nil, fmt.Errorf("pool size %d outside [%d, %d]", o.poolSize, txBatchSize, 1<<20)
	}
	if o.rtPrio < 0 || o.rtPrio > 99 {
		return nil, fmt.Errorf("realtime priority %d outside [0, 99]", o.rtPrio)
	}
	f := &Fabric{
		name:   name,
		nsName: name + "-fabric",
		log:    log.With("fabric", name),
		ctlFd:  -1,
		byName: map[string]*port{},
		links:  map[[2]int]*linkCtl{},
	}
	ns, err := CreateNetns(f.nsName)
	if err != nil {
		return nil, err
	}
	f.ns = ns
	if err := f.setup(o); err != nil {
		_ = f.teardown()
		return nil, err
	}
	if o.reg != nil {
		c := newCollector(f)
		if err := o.reg.Register(c); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("register metrics: %w", err)
		}
		f.reg, f.coll = o.reg, c
	}
	f.log.Info("fabric up", "netns", f.nsName, "forwarder_pid", f.cmd.Process.Pid)
	return f, nil
}

// setup configures the namespace and starts the forwarder process.
func (f *Fabric) setup(o options) error {
	nl, err := netlink.NewHandleAt(f.ns)
	if err != nil {
		return fmt.Errorf("netlink in %s: %w", f.nsName, err)
	}
	f.nl = nl
	if lo, err := nl.LinkByName("lo"); err == nil {
		_ = nl.LinkSetUp(lo)
	}
	if err := inNetns(f.ns, f.configureNamespace); err != nil {
		return err
	}
	if err := f.startForwarder(); err != nil {
		return err
	}
	resp, err := f.call(request{Op: opInit, Init: &initMsg{
		Netns:      filepath.Join(netnsDir, f.nsName),
		PoolSize:   o.poolSize,
		RingFrames: ringFrames,
		Seed:       o.seed,
		RTPrio:     o.rtPrio,
	}})
	if err != nil {
		return fmt.Errorf("start forwarder (does the program call fabric.MaybeForwarder first?): %w", err)
	}
	if resp.Warn != "" {
		f.log.Warn("fabric: "+resp.Warn, "hint", "RTT accuracy suffers on a busy machine")
	}
	return nil
}

// configureNamespace runs inside the fabric namespace: the kernel there must
// neither route nor speak IPv6 (it has no addresses, so it answers no ARP);
// the forwarder does the work.
func (f *Fabric) configureNamespace() error {
	for _, s := range []struct{ key, val string }{
		{"net/ipv4/ip_forward", "0"},
		{"net/ipv6/conf/all/disable_ipv6", "1"},
		{"net/ipv6/conf/default/disable_ipv6", "1"},
	} {
		if err := writeSysctl(s.key, s.val); err != nil {
			return fmt.Errorf("sysctl %s in %s: %w", s.key, f.nsName, err)
		}
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	f.ctlFd = fd
	return nil
}

// startForwarder re-executes the running binary as the forwarder process,
// connected by a socketpair; its stderr goes to the fabric's logger.
func (f *Fabric) startForwarder() error {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socketpair: %w", err)
	}
	parent := os.NewFile(uintptr(fds[0]), "fabric-control")
	childEnd := os.NewFile(uintptr(fds[1]), "fabric-control-child")
	defer childEnd.Close()
	conn, err := net.FileConn(parent)
	parent.Close()
	if err != nil {
		childEnd.Close()
		return fmt.Errorf("control socket: %w", err)
	}
	cmd := exec.Command("/proc/self/exe")
	cmd.Args = []string{"argosim-fabric-forwarder", f.name}
	cmd.Env = append(os.Environ(), envForwarder+"=1")
	cmd.ExtraFiles = []*os.File{childEnd} // becomes fd 3 (controlFd)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		conn.Close()
		return err
	}
	if err := cmd.Start(); err != nil {
		conn.Close()
		return fmt.Errorf("start forwarder process: %w", err)
	}
	f.cmd, f.conn = cmd, conn
	f.enc, f.dec = json.NewEncoder(conn), json.NewDecoder(conn)
	f.exited = make(chan struct{})
	go f.relayLog(stderr)
	return nil
}

// relayLog copies the forwarder's stderr into the logger, then reaps it.
func (f *Fabric) relayLog(r interface{ Read([]byte) (int, error) }) {
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			f.log.Warn("fabric forwarder", "output", string(buf[:n]))
		}
		if err != nil {
			break
		}
	}
	err := f.cmd.Wait()
	f.log.Debug("fabric forwarder exited", "err", err)
	close(f.exited)
}

// call sends one request and waits for its response; callers hold f.mu
// (or own f exclusively).
func (f *Fabric) call(req request) (response, error) {
	if f.conn == nil {
		return response{}, errors.New("no forwarder")
	}
	_ = f.conn.SetDeadline(time.Now().Add(controlTimeout))
	if err := f.enc.Encode(req); err != nil {
		return response{}, fmt.Errorf("forwarder control %s: %w", req.Op, err)
	}
	var resp response
	if err := f.dec.Decode(&resp); err != nil {
		return response{}, fmt.Errorf("forwarder control %s: %w", req.Op, err)
	}
	if resp.Err != "" {
		return resp, fmt.Errorf("forwarder: %s", resp.Err)
	}
	return resp, nil
}

// Name returns the fabric's name.
func (f *Fabric) Name() string { return f.name }

// NetnsName returns the name of the fabric network namespace.
func (f *Fabric) NetnsName() string { return f.nsName }

// Close stops the forwarder process and deletes the fabric namespace and
// every veth the fabric created, including the PoP-side ends. It is safe to
// call more than once.
func (f *Fabric) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	f.closed = true
	if f.reg != nil {
		f.reg.Unregister(f.coll)
	}
	err := f.teardown()
	f.log.Info("fabric closed")
	return err
}

func (f *Fabric) teardown() error {
	var errs []error
	if f.conn != nil {
		_, _ = f.call(request{Op: opStop})
		f.conn.Close()
		select {
		case <-f.exited:
		case <-time.After(5 * time.Second):
			_ = f.cmd.Process.Kill()
			<-f.exited
		}
		f.conn = nil
	}
	if f.ctlFd >= 0 {
		_ = unix.Close(f.ctlFd)
		f.ctlFd = -1
	}
	if f.nl != nil {
		// Deleting the fabric-side veths removes their PoP-side peers now.
		for _, p := range f.ports {
			if l, err := f.nl.LinkByName(p.ifname); err == nil {
				if err := f.nl.LinkDel(l); err != nil {
					errs = append(errs, fmt.Errorf("delete %s: %w", p.ifname, err))
				}
			}
		}
		f.nl.Close()
		f.nl = nil
	}
	if f.ns.IsOpen() {
		_ = f.ns.Close()
	}
	if err := netns.DeleteNamed(f.nsName); err != nil && !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.EINVAL) {
		errs = append(errs, fmt.Errorf("delete netns %s: %w", f.nsName, err))
	}
	return errors.Join(errs...)
}
