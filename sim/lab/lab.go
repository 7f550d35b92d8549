package lab

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argonet/argo/api"
	"github.com/argonet/argo/config"
	"github.com/argonet/argo/sim/fabric"
	"github.com/argonet/argo/sim/scenario"
)

// Options configure Up.
type Options struct {
	// Argod is the argod binary to run in every PoP namespace.
	Argod string
	// Log receives the lab's own messages (nil: discarded).
	Log *slog.Logger
	// Registerer, if set, gets the fabric's metrics.
	Registerer prometheus.Registerer
	// Seed makes the fabric's loss and jitter draws reproducible (0: random).
	Seed uint64
	// Tag names the run (NewTag if empty).
	Tag string
}

// Lab is a built world: the fabric, the namespaces, the configuration
// files, and the argod processes. Its methods are safe for concurrent use.
type Lab struct {
	Plan     *Plan
	Scenario *scenario.Scenario
	Configs  []*config.Config // parsed configuration of each PoP, as Plan.Pops
	Fabric   *fabric.Fabric

	log     *slog.Logger
	argod   string
	created []string // namespaces, in creation order

	mu     sync.Mutex
	procs  map[string]*process
	closed bool
}

// Prepare computes the plan and validates every argod configuration of
// scenario s without creating anything: what Up would reject because of
// the scenario, Prepare rejects first.
func Prepare(s *scenario.Scenario, tag string) (*Plan, []Override, error) {
	plan, err := NewPlan(s, tag)
	if err != nil {
		return nil, nil, err
	}
	ov, err := Overrides(s)
	if err != nil {
		return nil, nil, err
	}
	keys := make([]KeyPair, len(plan.Pops))
	for i := range keys {
		if keys[i], err = NewKeyPair(); err != nil {
			return nil, nil, err
		}
	}
	for i := range plan.Pops {
		if _, _, err := plan.ArgodConfig(i, keys, filepath.Join(plan.Dir, "gossip.key"), ov); err != nil {
			return nil, nil, err
		}
	}
	return plan, ov, nil
}

// Up builds the world of scenario s: work directory, keys and
// configurations, fabric, namespaces and veths. It does not start argod
// (see StartAll). On error everything it created is removed again.
func Up(ctx context.Context, s *scenario.Scenario, o Options) (l *Lab, err error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Tag == "" {
		o.Tag = NewTag()
	}
	if o.Argod == "" {
		return nil, errors.New("lab: no argod binary given")
	}
	if st, err := os.Stat(o.Argod); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return nil, fmt.Errorf("argod binary %s: not an executable file (build it with `make build`, or pass --argod)", o.Argod)
	}
	plan, ov, err := Prepare(s, o.Tag)
	if err != nil {
		return nil, err
	}
	l = &Lab{Plan: plan, Scenario: s, log: o.Log.With("run", plan.ID), argod: o.Argod, procs: map[string]*process{}}
	defer func() {
		if err != nil {
			if cerr := l.Close(); cerr != nil {
				l.log.Warn("cleanup after a failed setup", "err", cerr)
			}
			l = nil
		}
	}()
	if err := os.MkdirAll(plan.Dir, 0o700); err != nil {
		return l, fmt.Errorf("work directory: %w", err)
	}
	if err := l.writeConfigs(ov); err != nil {
		return l, err
	}
	if err := l.buildFabric(o); err != nil {
		return l, err
	}
	for i := range plan.Pops {
		if err := ctx.Err(); err != nil {
			return l, err
		}
		if err := l.addPop(&plan.Pops[i]); err != nil {
			return l, err
		}
	}
	for i := range plan.Clients {
		c := &plan.Clients[i]
		if err := l.addLeaf(c.Netns, c.Pop, c.PopIf, c.Subnet.Bits(), c.Gateway, c.Addr); err != nil {
			return l, fmt.Errorf("client %s: %w", c.Name, err)
		}
	}
	for i := range plan.Origins {
		or := &plan.Origins[i]
		if err := l.addLeaf(or.Netns, or.Pop, or.PopIf, or.Prefix.Bits(), or.Gateway, or.Addr); err != nil {
			return l, fmt.Errorf("origin %s: %w", or.Name, err)
		}
	}
	l.log.Info("lab built", "pops", len(plan.Pops), "clients", len(plan.Clients), "origins", len(plan.Origins), "dir", plan.Dir)
	return l, nil
}

// writeConfigs generates keys, the gossip secret and every configuration.
func (l *Lab) writeConfigs(ov []Override) error {
	p := l.Plan
	keys := make([]KeyPair, len(p.Pops))
	for i := range keys {
		k, err := NewKeyPair()
		if err != nil {
			return err
		}
		keys[i] = k
		if err := os.WriteFile(p.Pops[i].Key, []byte(k.Private+"\n"), 0o600); err != nil {
			return fmt.Errorf("write key: %w", err)
		}
	}
	secret, err := newGossipSecret()
	if err != nil {
		return err
	}
	secretFile := filepath.Join(p.Dir, "gossip.key")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		return fmt.Errorf("write gossip key: %w", err)
	}
	for i := range p.Pops {
		data, c, err := p.ArgodConfig(i, keys, secretFile, ov)
		if err != nil {
			return err
		}
		if err := os.WriteFile(p.Pops[i].Config, data, 0o600); err != nil {
			return fmt.Errorf("write config: %w", err)
		}
		l.Configs = append(l.Configs, c)
	}
	return nil
}

// Client returns an API client for PoP name's argod.
func (l *Lab) Client(pop string) (*api.Client, error) {
	pp, ok := l.Plan.Pop(pop)
	if !ok {
		return nil, fmt.Errorf("unknown PoP %q", pop)
	}
	return api.NewClient(pp.Socket), nil
}

// Close stops every argod, deletes the fabric and the namespaces, sweeps
// anything left with the run's prefix and removes the work directory. It
// is safe to call more than once.
func (l *Lab) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	procs := l.procs
	l.mu.Unlock()
	var errs []error
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() { defer wg.Done(); p.stop(2 * time.Second) }()
	}
	wg.Wait()
	if l.Fabric != nil {
		if err := l.Fabric.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	for i := len(l.created) - 1; i >= 0; i-- {
		if err := deleteNetns(l.created[i]); err != nil {
			errs = append(errs, err)
		}
	}
	if _, err := fabric.Clean(l.Plan.ID + "-"); err != nil {
		errs = append(errs, err)
	}
	if err := os.RemoveAll(l.Plan.Dir); err != nil {
		errs = append(errs, err)
	}
	l.log.Info("lab torn down")
	return errors.Join(errs...)
}

// CopyLogs copies every argod log into dir (created if needed).
func (l *Lab) CopyLogs(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var errs []error
	for _, p := range l.Plan.Pops {
		b, err := os.ReadFile(p.Log)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, p.Name+".log"), b, 0o644)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
