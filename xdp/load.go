package xdp

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cilium/ebpf/link"
	"github.com/prometheus/client_golang/prometheus"
)

// XDP is argo's program attached to one PoP's underlay interface. Its
// methods are safe for concurrent use.
type XDP struct {
	cfg  Config
	log  *slog.Logger
	objs *argoObjects
	t    *tables
	link link.Link
	mode atomic.Value // string
	reg  prometheus.Registerer
	coll prometheus.Collector

	closeOnce sync.Once
	closeErr  error
}

// Load attaches the program to cfg.Interface of the calling thread's
// network namespace, in native mode if it can and cfg.Mode allows, else in
// generic mode. Maps are pinned under cfg.PinRoot/cfg.PopName and reused
// across restarts; a link a previous run kept (KeepOnExit) is updated in
// place. Metrics are registered with reg (may be nil) under a "pop" label.
//
// Errors wrapping ErrUnavailable mean: run with the userspace relay only
// (mode off, or the kernel refused the program; a program a previous run
// kept attached is then detached too). Other errors are invalid
// configurations (*FieldError) or metric registration conflicts, which
// leave any attachment untouched. Nothing new stays attached or registered
// when Load fails.
func Load(cfg Config, log *slog.Logger, reg prometheus.Registerer) (*XDP, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("interface", cfg.Interface, "pop", cfg.PopName)
	pinDir := filepath.Join(cfg.PinRoot, cfg.PopName)
	linkPin := filepath.Join(pinDir, linkPinName)

	if cfg.Mode == ModeOff {
		if err := detachPinned(linkPin); err != nil {
			log.Warn("xdp: cannot detach the program of a previous run", "path", linkPin, "err", err)
		}
		log.Info("xdp: disabled by configuration; the userspace relay handles all overlay traffic")
		return nil, fmt.Errorf("%w: Config.Mode is off", ErrUnavailable)
	}

	ifc, err := net.InterfaceByName(cfg.Interface)
	if err != nil {
		return nil, &FieldError{"Config.Interface", cfg.Interface, err.Error()}
	}
	egress := make([]int, len(cfg.Egress))
	for i, name := range cfg.Egress {
		e, err := net.InterfaceByName(name)
		if err != nil {
			return nil, &FieldError{fmt.Sprintf("Config.Egress[%d]", i), name, err.Error()}
		}
		egress[i] = e.Index
	}

	// unavailable reports that the kernel refused us. A program a previous
	// run kept attached would go on relaying with a PoP table nobody
	// maintains any more, so it is detached: the userspace relay takes all.
	unavailable := func(err error) error {
		if derr := detachPinned(linkPin); derr != nil {
			log.Warn("xdp: cannot detach the program of a previous run", "path", linkPin, "err", derr)
		}
		log.Warn("xdp: not attached; the userspace relay handles all overlay traffic", "err", err)
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if err := ensurePinDir(pinDir, log); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return nil, err
		}
		return nil, unavailable(err)
	}
	objs, err := loadObjects(pinDir, log)
	if err != nil {
		return nil, unavailable(err)
	}
	x := &XDP{cfg: cfg, log: log, objs: objs}
	x.mode.Store("")
	if err := x.setup(egress, reg); err != nil {
		objs.Close()
		if errors.Is(err, ErrUnavailable) {
			return nil, unavailable(err)
		}
		return nil, err
	}
	l, mode, err := attach(objs.ArgoXdp, ifc.Index, cfg.Mode, linkPin, log)
	if err != nil {
		x.unregister()
		objs.Close()
		return nil, unavailable(err)
	}
	x.link = l
	x.mode.Store(mode)
	x.warnForwarding()
	log.Info("xdp: attached", "mode", mode, "pins", pinDir, "overlay_port", cfg.OverlayPort, "pop_id", cfg.PopID)
	return x, nil
}

// setup configures the maps and registers the metrics.
func (x *XDP) setup(egress []int, reg prometheus.Registerer) error {
	var flags uint32
	if x.cfg.ZeroUDPChecksum {
		flags |= cfgZeroUDPChecksum
	}
	t, err := newTables(&x.objs.argoMaps, x.cfg.PopID, x.cfg.OverlayPort, flags)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if err := t.setEgress(egress); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	x.t = t
	if reg == nil {
		return nil
	}
	x.reg = prometheus.WrapRegistererWith(prometheus.Labels{"pop": x.cfg.PopName}, reg)
	c := newCollector(t, x.Mode)
	if err := x.reg.Register(c); err != nil {
		return fmt.Errorf("xdp: register metrics: %w", err)
	}
	x.coll = c
	return nil
}

// unregister removes the metrics collector, if registered.
func (x *XDP) unregister() {
	if x.coll != nil {
		x.reg.Unregister(x.coll)
		x.coll = nil
	}
}

// warnForwarding logs when the kernel's FIB lookup will refuse to relay
// because IPv4 forwarding is off on the interface.
func (x *XDP) warnForwarding() {
	b, err := os.ReadFile(filepath.Join("/proc/sys/net/ipv4/conf", x.cfg.Interface, "forwarding"))
	if err == nil && strings.TrimSpace(string(b)) == "0" {
		x.log.Warn("xdp: IPv4 forwarding is disabled on the interface; the driver cannot relay and passes transit datagrams to userspace (sysctl net.ipv4.conf.<if>.forwarding=1)")
	}
}

// Mode returns the attach mode in use: "native" or "generic".
func (x *XDP) Mode() string {
	return x.mode.Load().(string)
}

// Close unregisters the metrics and, unless Config.KeepOnExit, detaches the
// program. Pinned maps (blocklist, rate limits, counters, PoP table) stay
// for the next Load. Close is idempotent.
func (x *XDP) Close() error {
	x.closeOnce.Do(func() {
		x.unregister()
		var err error
		if x.cfg.KeepOnExit {
			err = x.link.Close()
			x.log.Info("xdp: left attached for the next run", "mode", x.Mode())
		} else {
			err = detachLink(x.link)
			x.log.Info("xdp: detached")
		}
		x.closeErr = errors.Join(err, x.objs.Close())
	})
	return x.closeErr
}

// SetPoPs replaces the table of known PoPs (id -> underlay IPv4 address,
// this PoP included). Overlay datagrams from other addresses are dropped;
// relays go to the next hop's address here. Validated before any change.
func (x *XDP) SetPoPs(pops map[uint16]netip.Addr) error { return x.t.SetPoPs(pops) }

// PoPs returns the PoP table as the program sees it.
func (x *XDP) PoPs() (map[uint16]netip.Addr, error) { return x.t.PoPs() }

// AddBlock drops all traffic from source prefix p (IPv4 or IPv6). Host
// bits must be zero. Re-adding keeps the entry's hit count.
func (x *XDP) AddBlock(p netip.Prefix) error { return x.t.AddBlock(p) }

// DelBlock removes p from the blocklist; ErrNotFound if it is not there.
func (x *XDP) DelBlock(p netip.Prefix) error { return x.t.DelBlock(p) }

// Blocklist lists the blocked prefixes with the packets each one dropped.
func (x *XDP) Blocklist() ([]BlockEntry, error) { return x.t.Blocklist() }

// SetRateLimit limits every source address to pps packets per second
// (bursts of burst packets) towards UDP destination port port.
func (x *XDP) SetRateLimit(port uint16, pps, burst uint32) error {
	return x.t.SetRateLimit(port, pps, burst)
}

// DelRateLimit removes the limit on port; ErrNotFound if there is none.
func (x *XDP) DelRateLimit(port uint16) error { return x.t.DelRateLimit(port) }

// RateLimits lists the rate limits with the packets each one dropped.
func (x *XDP) RateLimits() ([]RateLimit, error) { return x.t.RateLimits() }

// Counters returns the per-reason packet and byte counters.
func (x *XDP) Counters() (Counters, error) { return x.t.Counters() }
