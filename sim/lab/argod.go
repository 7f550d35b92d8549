package lab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/argonet/argo/api"
)

// argodNice is the nice value of every argod.
const argodNice = -5

// process is one argod run in a PoP namespace.
type process struct {
	pop  string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has been reaped
	mu   sync.Mutex
	err  error // exit status, once done
}

// Start launches PoP pop's argod (`ip netns exec NS argod --config FILE`),
// logging to the PoP's log file, and waits until its API answers or ctx
// ends. The process is in its own process group (a terminal's Ctrl-C goes
// to argosim, which tears down in order) and gets SIGKILL if argosim dies.
func (l *Lab) Start(ctx context.Context, pop string) error {
	pp, ok := l.Plan.Pop(pop)
	if !ok {
		return fmt.Errorf("unknown PoP %q", pop)
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return errors.New("lab closed")
	}
	if p := l.procs[pop]; p != nil && !p.exited() {
		l.mu.Unlock()
		return fmt.Errorf("argod of %s is already running", pop)
	}
	logf, err := os.OpenFile(pp.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		l.mu.Unlock()
		return fmt.Errorf("argod log: %w", err)
	}
	cmd := exec.Command("ip", "netns", "exec", pp.Netns, l.argod, "--config", pp.Config)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		l.mu.Unlock()
		logf.Close()
		return fmt.Errorf("start argod of %s: %w", pop, err)
	}
	// PoPs are dedicated machines in reality: give argod a head start over
	// unrelated work on a busy host (best effort).
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, cmd.Process.Pid, argodNice)
	p := &process{pop: pop, cmd: cmd, done: make(chan struct{})}
	l.procs[pop] = p
	l.mu.Unlock()
	go func() {
		err := cmd.Wait()
		logf.Close()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(p.done)
	}()
	l.log.Info("argod started", "pop", pop, "pid", cmd.Process.Pid)
	return l.waitAPI(ctx, p, pp.Socket)
}

// waitAPI polls the API until it answers, the process exits or ctx ends.
func (l *Lab) waitAPI(ctx context.Context, p *process, socket string) error {
	c := api.NewClient(socket)
	deadline := time.Now().Add(15 * time.Second)
	for {
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		var st api.Status
		err := c.Get(cctx, api.PathStatus, &st)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("argod of %s exited at start (%v); see its log", p.pop, p.exitErr())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("argod of %s: API not answering after 15s: %w", p.pop, err)
		}
	}
}

// StartAll starts every PoP's argod in parallel.
func (l *Lab) StartAll(ctx context.Context) error {
	errc := make(chan error, len(l.Plan.Pops))
	for _, p := range l.Plan.Pops {
		go func() { errc <- l.Start(ctx, p.Name) }()
	}
	var errs []error
	for range l.Plan.Pops {
		if err := <-errc; err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Kill sends SIGKILL to PoP pop's argod and waits until it is gone.
func (l *Lab) Kill(pop string) error {
	l.mu.Lock()
	p := l.procs[pop]
	l.mu.Unlock()
	if p == nil || p.exited() {
		return fmt.Errorf("argod of %s is not running", pop)
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-p.done:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("argod of %s survived SIGKILL for 5s", pop)
	}
}

// Running reports whether PoP pop's argod runs; if it exited, err is its
// exit status.
func (l *Lab) Running(pop string) (running bool, err error) {
	l.mu.Lock()
	p := l.procs[pop]
	l.mu.Unlock()
	if p == nil {
		return false, nil
	}
	if p.exited() {
		return false, p.exitErr()
	}
	return true, nil
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *process) exitErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// stop asks argod to exit (SIGTERM) and kills it after grace.
func (p *process) stop(grace time.Duration) {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
	}
}
