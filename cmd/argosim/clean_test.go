package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// These tests run the argosim binary as a user would (root only): a run
// killed with SIGKILL leaves namespaces that `argosim clean` removes; a
// run after a crash works and removes the crashed run's leftovers itself;
// Ctrl-C (SIGINT) stops a run, tears down and writes a partial report.

const tinyScenario = `name: tiny
duration: %s
pops: [{name: a, id: 1}, {name: b, id: 2}, {name: c, id: 3}]
links:
  default: {delay: 10ms}
clients: [{name: ca, pop: a}]
origins: [{name: ob, pop: b, prefix: 203.0.113.0/24}]
flows: [{name: f, client: ca, origin: ob}]
`

// binaries builds argosim and argod into one directory (argosim finds
// argod next to itself).
func binaries(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: argosim run needs root")
	}
	dir := t.TempDir()
	out, err := exec.Command("go", "build", "-o", dir+"/", "github.com/argonet/argo/cmd/argosim", "github.com/argonet/argo/cmd/argod").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return filepath.Join(dir, "argosim")
}

// syncBuf is a goroutine-safe buffer for a child's output.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// started runs argosim on a scenario lasting duration and waits until its
// timeline has started.
func started(t *testing.T, bin, duration, out string) (*exec.Cmd, *syncBuf) {
	t.Helper()
	scn := filepath.Join(t.TempDir(), "tiny.yaml")
	if err := os.WriteFile(scn, []byte(fmt.Sprintf(tinyScenario, duration)), 0o644); err != nil {
		t.Fatal(err)
	}
	var buf syncBuf
	cmd := exec.Command(bin, "run", scn, "--out", out, "--quiet")
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		exec.Command(bin, "clean").Run()
	})
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(buf.String(), "timeline started") {
		if time.Now().After(deadline) {
			t.Fatalf("argosim did not start its timeline:\n%s", buf.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return cmd, &buf
}

// namespacesOf lists the namespaces of the run owned by pid.
func namespacesOf(t *testing.T, pid int) []string {
	t.Helper()
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	var ns []string
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		if len(f) > 0 && strings.HasPrefix(f[0], fmt.Sprintf("argosim-r%d-", pid)) {
			ns = append(ns, f[0])
		}
	}
	return ns
}

// crash starts a run and SIGKILLs argosim during its timeline; it returns
// the pid of the dead run.
func crash(t *testing.T, bin string) int {
	t.Helper()
	cmd, _ := started(t, bin, "60s", t.TempDir())
	pid := cmd.Process.Pid
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if ns := namespacesOf(t, pid); len(ns) < 6 {
		t.Fatalf("after the crash %d namespaces are left, expected the run's 6 (3 PoPs, client, origin, fabric): %v", len(ns), ns)
	}
	return pid
}

func TestCrashThenClean(t *testing.T) {
	bin := binaries(t)
	// A run started by a concurrent test also removes stale runs: if
	// that happens between the crash and the dry run, crash again.
	var pid int
	for attempt := 1; ; attempt++ {
		pid = crash(t, bin)
		out, err := exec.Command(bin, "clean", "--dry-run").CombinedOutput()
		if err != nil {
			t.Fatalf("clean --dry-run: %v\n%s", err, out)
		}
		if strings.Contains(string(out), fmt.Sprintf("would remove run argosim-r%d-", pid)) {
			break
		}
		if len(namespacesOf(t, pid)) > 0 || attempt == 3 {
			t.Fatalf("clean --dry-run does not list the crashed run %d:\n%s", pid, out)
		}
	}
	workdir := filepath.Join(os.TempDir(), fmt.Sprintf("argosim-r%d-", pid))
	out, err := exec.Command(bin, "clean").CombinedOutput()
	if err != nil {
		t.Fatalf("argosim clean: %v\n%s", err, out)
	}
	if ns := namespacesOf(t, pid); len(ns) > 0 {
		t.Fatalf("argosim clean left %v\n%s", ns, out)
	}
	if m, _ := filepath.Glob(workdir + "*"); len(m) > 0 {
		t.Fatalf("argosim clean left the work directory %v", m)
	}
	if !strings.Contains(string(out), fmt.Sprintf("removed argosim-r%d-", pid)) {
		t.Errorf("clean did not report the removal:\n%s", out)
	}
}

// TestRunAfterCrash: the next run removes a crashed run's leftovers and
// completes with a report.
func TestRunAfterCrash(t *testing.T) {
	bin := binaries(t)
	dead := crash(t, bin)
	dir := t.TempDir()
	scn := filepath.Join(dir, "tiny.yaml")
	os.WriteFile(scn, []byte(fmt.Sprintf(tinyScenario, "3s")), 0o644)
	out, err := exec.Command(bin, "run", scn, "--out", filepath.Join(dir, "rep"), "--live-every", "1s").CombinedOutput()
	if err != nil {
		t.Fatalf("run after a crash: %v\n%s", err, out)
	}
	if ns := namespacesOf(t, dead); len(ns) > 0 {
		t.Errorf("the crashed run's namespaces survived the next run: %v", ns)
	}
	for _, want := range []string{"FLOW", "f  ", "Overlay median RTT", "report in"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	var rep struct {
		Flows []struct {
			Overlay struct{ Sent, Received int }
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "rep", "report.json"))
	if err != nil || json.Unmarshal(b, &rep) != nil || len(rep.Flows) != 1 || rep.Flows[0].Overlay.Received < 100 {
		t.Fatalf("report.json: %v %+v", err, rep)
	}
}

// TestInterrupt: SIGINT during the timeline stops the run: everything is
// torn down and a partial report written.
func TestInterrupt(t *testing.T) {
	bin := binaries(t)
	out := t.TempDir()
	cmd, buf := started(t, bin, "60s", out)
	pid := cmd.Process.Pid
	time.Sleep(time.Second)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(buf.String(), "interrupted") {
			t.Errorf("exit %v after SIGINT; output:\n%s", err, buf.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("argosim still running 30 s after SIGINT:\n%s", buf.String())
	}
	if ns := namespacesOf(t, pid); len(ns) > 0 {
		t.Errorf("namespaces left after SIGINT: %v", ns)
	}
	var rep struct{ Interrupted string }
	b, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil || json.Unmarshal(b, &rep) != nil || !strings.Contains(rep.Interrupted, "stopped") {
		t.Errorf("partial report: %v %q", err, rep.Interrupted)
	}
}
