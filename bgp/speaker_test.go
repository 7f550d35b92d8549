package bgp

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/prometheus/client_golang/prometheus"
)

// discardLogger returns a logger that drops everything.
func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// gobgpGoroutines returns the stacks of the goroutines running GoBGP code.
func gobgpGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "github.com/osrg/gobgp/") {
			out = append(out, g)
		}
	}
	return out
}

// waitNoGoBGP fails the test unless every GoBGP goroutine ends within 5s.
func waitNoGoBGP(t *testing.T, after string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := gobgpGoroutines()
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d GoBGP goroutines still running after %s:\n%s", len(left), after, strings.Join(left, "\n\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// loopbackConfig is a speaker on 127.0.0.1 whose only neighbour (127.0.0.2)
// is passive and never connects: it runs without root and without a peer.
func loopbackConfig(t testing.TB) Config {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return Config{
		ASN:        65001,
		RouterID:   netip.MustParseAddr("192.0.2.1"),
		ListenAddr: netip.MustParseAddr("127.0.0.1"),
		ListenPort: port,
		Neighbors:  []Neighbor{{Address: netip.MustParseAddr("127.0.0.2"), PeerASN: 65000, Passive: true}},
		Anycast:    []Announcement{{Prefix: netip.MustParsePrefix("192.0.2.0/24")}},
		HoldDown:   time.Millisecond,
		StateFile:  filepath.Join(t.TempDir(), "state", "bgp.json"),
	}
}

// listeningPorts returns the TCP ports this process listens on.
func listeningPorts(t *testing.T) map[int]bool {
	t.Helper()
	inodes := make(map[string]bool)
	fds, _ := os.ReadDir("/proc/self/fd")
	for _, fd := range fds {
		if link, err := os.Readlink("/proc/self/fd/" + fd.Name()); err == nil && strings.HasPrefix(link, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	ports := make(map[int]bool)
	for _, file := range []string{"/proc/self/net/tcp", "/proc/self/net/tcp6"} {
		f, err := os.Open(file)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || fields[3] != "0A" || !inodes[fields[9]] { // 0A: LISTEN
				continue
			}
			if i := strings.LastIndex(fields[1], ":"); i >= 0 {
				if p, err := strconv.ParseUint(fields[1][i+1:], 16, 16); err == nil {
					ports[int(p)] = true
				}
			}
		}
		f.Close()
	}
	return ports
}

// TestNoGlobalSideEffects: GoBGP must not start its gRPC API (or any other
// listener than the BGP port) and nothing may land in the global Prometheus
// registry. Not parallel: it inspects the whole process.
func TestNoGlobalSideEffects(t *testing.T) {
	before, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	cfg := loopbackConfig(t)
	reg := prometheus.NewRegistry()
	s, err := New(cfg, discardLogger(), reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())

	ports := listeningPorts(t)
	if !ports[cfg.ListenPort] || len(ports) != 1 {
		t.Errorf("listening ports = %v, want only the BGP port %d (no gRPC API)", ports, cfg.ListenPort)
	}
	after, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("the global registry changed: %d metric families before, %d after", len(before), len(after))
	}
	for _, f := range after {
		if strings.Contains(f.GetName(), "bgp") {
			t.Errorf("metric %s in the global registry", f.GetName())
		}
	}
	if got := metricValue(t, reg, "argo_bgp_session_state", "neighbor", "127.0.0.2"); got != sessionStateValues["active"] && got != sessionStateValues["idle"] {
		t.Errorf("argo_bgp_session_state = %v, want idle or active", got)
	}
	// A second speaker in the same process has its own metrics.
	if _, err := New(loopbackConfig(t), discardLogger(), prometheus.NewRegistry()); err != nil {
		t.Errorf("second speaker: %v", err)
	}
	if _, err := New(loopbackConfig(t), discardLogger(), reg); err == nil || !strings.Contains(err.Error(), "registering metrics") {
		t.Errorf("registering twice in one registry = %v, want an error", err)
	}
}

// TestLifecycle covers the API around Start and Shutdown without a peer.
func TestLifecycle(t *testing.T) {
	cfg := loopbackConfig(t)
	s, err := New(cfg, discardLogger(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if st := s.Status(); st.Running || st.Neighbors[0].State != "stopped" || st.Prefixes[0].State != StateWithdrawn {
		t.Errorf("status before Start: %+v", st)
	}
	if err := s.Drain(); err == nil {
		t.Error("Drain before Start succeeded")
	}
	s.SetHealth(true, "early report") // allowed before Start
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err == nil {
		t.Error("second Start succeeded")
	}
	waitFor(t, 2*time.Second, "the announcement", func() bool { return s.Status().Prefixes[0].State == StateAnnounced })
	if st := s.Status(); st.Prefixes[0].Reason == "" || !st.Healthy || st.HealthReason != "early report" {
		t.Errorf("status: %+v", st)
	}

	t.Run("drain that cannot be persisted changes nothing", func(t *testing.T) {
		dir := filepath.Dir(cfg.StateFile)
		if err := os.WriteFile(dir, []byte("not a directory"), 0o644); err != nil {
			t.Fatal(err)
		}
		err := s.Drain()
		if err == nil || !strings.Contains(err.Error(), "drain state not changed") {
			t.Fatalf("Drain = %v, want a persistence error", err)
		}
		if st := s.Status(); st.Drain != DrainNone || st.Prefixes[0].State != StateAnnounced {
			t.Errorf("after a failed Drain: drain %s, prefix %+v", st.Drain, st.Prefixes[0])
		}
		os.Remove(dir)
		os.Mkdir(dir, 0o755)
	})

	t.Run("drain and undrain are idempotent", func(t *testing.T) {
		for i := 0; i < 2; i++ {
			if err := s.Drain(); err != nil {
				t.Fatal(err)
			}
		}
		if st := s.Status(); st.Drain != DrainDraining || st.Prefixes[0].State != StatePrepended || st.Prefixes[0].Prepend != DefaultDrainPrepend {
			t.Errorf("after Drain: drain %s, prefix %+v", st.Drain, st.Prefixes[0])
		}
		for i := 0; i < 2; i++ {
			if err := s.Undrain(); err != nil {
				t.Fatal(err)
			}
		}
		if st := s.Status(); st.Drain != DrainNone || st.Prefixes[0].State != StateAnnounced {
			t.Errorf("after Undrain: drain %s, prefix %+v", st.Drain, st.Prefixes[0])
		}
	})

	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown without established sessions: %v", err)
	}
	if err := s.Undrain(); err == nil {
		t.Error("Undrain after Shutdown succeeded")
	}
	s.SetHealth(false, "ignored after shutdown")
	if st := s.Status(); st.Running || st.Prefixes[0].State != StateWithdrawn || st.Prefixes[0].Reason != "shut down" {
		t.Errorf("status after Shutdown: %+v", st)
	}
	if err := s.Start(context.Background()); err == nil {
		t.Error("Start after Shutdown succeeded")
	}
}

func TestStartRejectsCorruptStateFile(t *testing.T) {
	cfg := loopbackConfig(t)
	os.MkdirAll(filepath.Dir(cfg.StateFile), 0o755)
	os.WriteFile(cfg.StateFile, []byte(`{"version":1,"drained":"maybe"}`), 0o644)
	s, err := New(cfg, discardLogger(), nil)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), `field "drained"`) || !strings.Contains(err.Error(), cfg.StateFile) {
		t.Fatalf("Start = %v, want the state file error", err)
	}
	if st := s.Status(); st.Running {
		t.Error("speaker running after a failed Start")
	}
}

func TestStartFailsOnBusyPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cfg := loopbackConfig(t)
	cfg.ListenPort = l.Addr().(*net.TCPAddr).Port
	s, err := New(cfg, discardLogger(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err == nil || !strings.Contains(err.Error(), fmt.Sprint(cfg.ListenPort)) {
		t.Fatalf("Start on a busy port = %v, want an error naming the port", err)
	}
	waitNoGoBGP(t, "a failed Start")
}

// TestShutdownStopsGoBGP: a speaker that was only created runs no GoBGP
// code, and Shutdown ends every goroutine GoBGP started.
func TestShutdownStopsGoBGP(t *testing.T) {
	waitNoGoBGP(t, "the earlier tests")
	s, err := New(loopbackConfig(t), discardLogger(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if g := gobgpGoroutines(); len(g) != 0 {
		t.Errorf("New started %d GoBGP goroutines", len(g))
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(gobgpGoroutines()) == 0 {
		t.Fatal("no GoBGP goroutine found in a running speaker: the check is blind")
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitNoGoBGP(t, "Shutdown")
}

// TestGoBGPLogs: GoBGP's messages go to the speaker's logger, tagged
// lib=gobgp, and the handler's level decides what is written.
func TestGoBGPLogs(t *testing.T) {
	var buf lockedBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s, err := New(loopbackConfig(t), log, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	var gobgpInfo int
	for line := range strings.Lines(buf.String()) {
		if strings.Contains(line, "level=DEBUG") {
			t.Errorf("debug message written by an info handler: %s", line)
		}
		if strings.Contains(line, "lib=gobgp") && strings.Contains(line, "level=INFO") {
			gobgpInfo++
		}
	}
	if gobgpInfo == 0 {
		t.Errorf("no GoBGP message at info level tagged lib=gobgp in:\n%s", buf.String())
	}

	var dbg lockedBuffer
	log = slog.New(slog.NewTextHandler(&dbg, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err = New(loopbackConfig(t), log, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Shutdown(context.Background())
	gobgpDebug := false
	for line := range strings.Lines(dbg.String()) {
		gobgpDebug = gobgpDebug || strings.Contains(line, "lib=gobgp") && strings.Contains(line, "level=DEBUG")
	}
	if !gobgpDebug {
		t.Errorf("a debug handler got no GoBGP debug message:\n%s", dbg.String())
	}
}

// TestSessionStateNames: both of GoBGP's session state types (ListPeer's
// and the peer events') map to the names argo_bgp_session_state knows.
func TestSessionStateNames(t *testing.T) {
	apiStates := []api.PeerState_SessionState{
		api.PeerState_SESSION_STATE_IDLE, api.PeerState_SESSION_STATE_CONNECT, api.PeerState_SESSION_STATE_ACTIVE,
		api.PeerState_SESSION_STATE_OPENSENT, api.PeerState_SESSION_STATE_OPENCONFIRM, api.PeerState_SESSION_STATE_ESTABLISHED,
	}
	fsmStates := []bgp.FSMState{
		bgp.BGP_FSM_IDLE, bgp.BGP_FSM_CONNECT, bgp.BGP_FSM_ACTIVE,
		bgp.BGP_FSM_OPENSENT, bgp.BGP_FSM_OPENCONFIRM, bgp.BGP_FSM_ESTABLISHED,
	}
	for i := range apiStates {
		a, f := sessionStateName(apiStates[i]), fsmStateName(fsmStates[i])
		if a != f || sessionStateValues[a] != float64(i+1) {
			t.Errorf("states %v and %v: names %q and %q, metric value %v; want one name with value %d",
				apiStates[i], fsmStates[i], a, f, sessionStateValues[a], i+1)
		}
	}
	if got := sessionStateName(api.PeerState_SESSION_STATE_ESTABLISHED); got != "established" {
		t.Errorf("established is rendered %q", got)
	}
}
