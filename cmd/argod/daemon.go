package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/argonet/argo/bgp"
	"github.com/argonet/argo/config"
	"github.com/argonet/argo/linkstate"
	"github.com/argonet/argo/pathcalc"
	"github.com/argonet/argo/prober"
	"github.com/argonet/argo/tunnel"
	"github.com/argonet/argo/xdp"
)

// tick is how often the daemon republishes its links, expires stale tables
// and lets pathcalc's hysteresis timers run, even without any event.
const tick = 100 * time.Millisecond

// daemon wires config → prober → linkstate → pathcalc and serves the API.
type daemon struct {
	log     *slog.Logger
	cfg     atomic.Pointer[config.Config]
	reg     *prometheus.Registry
	started time.Time

	prober *prober.Prober
	gossip *linkstate.Gossip
	engine *pathcalc.Engine
	// backbone is the WireGuard data plane; replaced when a reload changes
	// the peer set.
	bb     atomic.Pointer[tunnel.Backbone]
	onramp *tunnel.OnRamp
	// xdp is the XDP fast path, nil when it is off or could not load
	// (xdpReason says why).
	xdp       *xdp.XDP
	xdpReason string
	// bgp announces the anycast prefixes; nil without a bgp section.
	bgp     *bgp.Speaker
	learned atomic.Pointer[[]netip.Prefix] // origin prefixes learned by BGP
	// drained is the drain flag of a PoP without BGP (with BGP, the
	// speaker holds it and keeps it across restarts).
	drained atomic.Bool

	// Data-plane state last pushed (guarded by recomputeMu).
	dpGeneration uint64
	dpPrefixes   map[uint16][]netip.Prefix

	// wake asks the main loop to recompute routes now.
	wake chan struct{}

	recomputeMu sync.Mutex // serialises recompute

	mu         sync.Mutex // guards the fields below
	reloads    uint64
	lastReload string
	localAt    time.Time // when the local links were last taken from the prober

	metrics daemonMetrics
}

type daemonMetrics struct {
	recomputes   prometheus.Counter
	recomputeDur prometheus.Histogram
	reloads      *prometheus.CounterVec
	healthy      prometheus.Gauge
}

func newDaemon(c *config.Config, log *slog.Logger) (*daemon, error) {
	d := &daemon{
		log:     log,
		reg:     prometheus.NewRegistry(),
		started: time.Now(),
		wake:    make(chan struct{}, 1),
	}
	d.cfg.Store(c)
	d.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f := func(c prometheus.Collector) prometheus.Collector { d.reg.MustRegister(c); return c }
	d.metrics = daemonMetrics{
		recomputes: f(prometheus.NewCounter(prometheus.CounterOpts{Name: "argo_route_recomputes_total",
			Help: "Route table recomputations."})).(prometheus.Counter),
		recomputeDur: f(prometheus.NewHistogram(prometheus.HistogramOpts{Name: "argo_route_recompute_seconds",
			Help: "Time to rebuild the graph and recompute all routes.", Buckets: prometheus.ExponentialBuckets(1e-5, 4, 10)})).(prometheus.Histogram),
		reloads: f(prometheus.NewCounterVec(prometheus.CounterOpts{Name: "argo_config_reloads_total",
			Help: "Configuration reloads by result (ok, rejected)."}, []string{"result"})).(*prometheus.CounterVec),
		healthy: f(prometheus.NewGauge(prometheus.GaugeOpts{Name: "argo_healthy",
			Help: "1 while this PoP is healthy (reaches other PoPs and every origin-serving PoP)."})).(prometheus.Gauge),
	}
	return d, nil
}

// run starts every subsystem, serves until ctx ends, then shuts down.
func (d *daemon) run(ctx context.Context) error {
	c := d.cfg.Load()
	apiL, err := listenAPI(c.API.Socket, c.Resolved.APIMode)
	if err != nil {
		return err
	}
	defer os.Remove(c.API.Socket)
	var metricsL net.Listener
	if c.Metrics.Listen != "off" {
		if metricsL, err = net.Listen("tcp", c.Metrics.Listen); err != nil {
			apiL.Close()
			return fmt.Errorf("metrics.listen: %w", err)
		}
	}
	key, err := linkstate.LoadKey(c.Gossip.SecretFile)
	if err != nil {
		return fmt.Errorf("gossip.secret_file: %w", err)
	}

	if d.engine, err = pathcalc.NewEngine(c.PoP.ID, pathSettings(c), d.log.With("sub", "pathcalc"), d.reg); err != nil {
		return err
	}
	d.prober, err = prober.New(c.PoP.Name, probeSettings(c), d.log.With("sub", "prober"), d.reg)
	if err != nil {
		return err
	}
	defer d.prober.Close()
	bb, err := d.openBackbone(c)
	if err != nil {
		return err
	}
	d.bb.Store(bb)
	defer func() { d.bb.Load().Close() }()
	d.prober.SetEchoTransport(echoAdapter{d})
	if err := d.openXDP(c); err != nil {
		return err
	}
	if d.xdp != nil {
		defer d.xdp.Close()
	}
	if c.OnRamp != nil {
		if d.onramp, err = tunnel.NewOnRamp(onRampConfig(c), d.log.With("sub", "onramp"), d.reg); err != nil {
			return fmt.Errorf("onramp: %w", err)
		}
		defer d.onramp.Close()
	}
	if err := d.prober.SetTargets(targets(c)); err != nil {
		return err
	}

	d.gossip, err = linkstate.New(gossipConfig(c, key, d.poke), d.log.With("sub", "gossip"), d.reg)
	if err != nil {
		return err
	}
	defer d.gossip.Shutdown()

	if err := d.startBGP(ctx, c); err != nil {
		return fmt.Errorf("bgp: %w", err)
	}
	// Runs before the deferred closes above: withdraw first, then stop.
	defer d.stopBGP()

	apiSrv := &http.Server{Handler: d.routes(), ReadHeaderTimeout: 5 * time.Second}
	go apiSrv.Serve(apiL)
	defer apiSrv.Close()
	if metricsL != nil {
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(d.reg, promhttp.HandlerOpts{Registry: d.reg}))
		msrv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go msrv.Serve(metricsL)
		defer msrv.Close()
	}
	d.log.Info("argod started", "id", c.PoP.ID, "peers", len(c.Peers), "api", c.API.Socket,
		"metrics", c.Metrics.Listen, "gossip", c.Resolved.GossipBind)

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	t := time.NewTicker(tick)
	defer t.Stop()
	d.publish()
	d.recompute()
	for {
		select {
		case <-ctx.Done():
			d.log.Info("argod shutting down")
			return nil
		case <-hup:
			d.reload()
		case <-d.prober.Changes():
			d.publish()
			d.recompute()
		case <-d.wake:
			d.recompute()
		case <-t.C:
			d.publish()
			d.recompute()
		}
	}
}

// poke asks the main loop to recompute; it never blocks.
func (d *daemon) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// reload re-reads the configuration file; a bad file leaves everything as it
// was.
func (d *daemon) reload() {
	old := d.cfg.Load()
	c, err := config.Load(old.File)
	d.mu.Lock()
	defer d.mu.Unlock()
	// Check everything before changing anything: no half-applied reload.
	if err == nil {
		err = reloadable(old, c)
	}
	var ps pathcalc.Settings
	if err == nil {
		ps = pathSettings(c)
		err = ps.Validate()
	}
	if err == nil {
		err = d.prober.SetTargets(targets(c))
	}
	if err == nil {
		err = d.engine.SetSettings(ps)
	}
	if err != nil {
		d.metrics.reloads.WithLabelValues("rejected").Inc()
		d.lastReload = "rejected: " + err.Error()
		d.log.Error("config reload rejected; the old configuration stays in force", "err", err)
		return
	}
	if backbonePeersChanged(old, c) {
		// The WireGuard device's peer set is fixed: rebuild it. Flows to
		// unchanged peers see a short gap while the device is recreated.
		d.recomputeMu.Lock()
		d.bb.Load().Close()
		nb, err := d.openBackbone(c)
		if err != nil {
			d.log.Error("cannot recreate the backbone with the new peers; restoring the old peer set", "err", err)
			if nb, err = d.openBackbone(old); err != nil {
				d.log.Error("cannot restore the backbone", "err", err)
			}
		}
		if nb != nil {
			d.bb.Store(nb)
		}
		d.dpGeneration, d.dpPrefixes = 0, nil
		d.recomputeMu.Unlock()
	}
	if d.xdp != nil {
		if err := d.syncXDP(d.xdp, c); err != nil {
			d.log.Error("XDP maps not updated by the reload", "err", err)
		}
	}
	d.cfg.Store(c)
	d.reloads++
	d.lastReload = time.Now().Format(time.RFC3339) + " ok"
	d.metrics.reloads.WithLabelValues("ok").Inc()
	d.log.Info("config reloaded", "peers", len(c.Peers))
	d.poke()
}

// reloadable rejects changes that need a restart.
func reloadable(old, c *config.Config) error {
	switch {
	case old.PoP.ID != c.PoP.ID || old.PoP.Name != c.PoP.Name:
		return errors.New("pop.id and pop.name cannot change without a restart")
	case old.Overlay.Port != c.Overlay.Port:
		return errors.New("overlay.port cannot change without a restart")
	case old.Gossip.Port != c.Gossip.Port || old.Resolved.GossipBind != c.Resolved.GossipBind:
		return errors.New("gossip.bind and gossip.port cannot change without a restart")
	case old.Probe != c.Probe:
		return errors.New("probe settings cannot change without a restart")
	case old.API != c.API || old.Metrics != c.Metrics:
		return errors.New("api and metrics settings cannot change without a restart")
	}
	return nil
}
