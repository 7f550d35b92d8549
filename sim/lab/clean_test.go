package lab

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// deadPid returns the pid of a process that has exited.
func deadPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// TestCleanStaleWorkDirs: the work directory of a run whose owner died is
// removed; that of a live owner is kept.
func TestCleanStaleWorkDirs(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	dead := filepath.Join(tmp, "argosim-r"+strconv.Itoa(deadPid(t))+"-abcdef")
	live := filepath.Join(tmp, "argosim-r"+strconv.Itoa(os.Getpid())+"-abcdef")
	other := filepath.Join(tmp, "argosim-rnotapid-abcdef")
	for _, d := range []string{dead, live, other} {
		if err := os.MkdirAll(filepath.Join(d, "x"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	los, err := Leftovers()
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]Leftover{}
	for _, lo := range los {
		found[lo.WorkDir] = lo
	}
	if lo, ok := found[dead]; !ok || lo.Alive {
		t.Errorf("dead run not listed as dead: %+v", los)
	}
	if lo, ok := found[live]; !ok || !lo.Alive {
		t.Errorf("live run not listed as alive: %+v", los)
	}
	if _, err := CleanStale(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		dir  string
		want bool
	}{{dead, false}, {live, true}, {other, true}} {
		_, err := os.Stat(c.dir)
		if (err == nil) != c.want {
			t.Errorf("%s exists %v, want %v", c.dir, err == nil, c.want)
		}
	}
}

func TestPidAlive(t *testing.T) {
	if !pidAlive(os.Getpid()) {
		t.Error("this process is not alive")
	}
	if pidAlive(deadPid(t)) || pidAlive(0) || pidAlive(-1) {
		t.Error("a dead pid is alive")
	}
}
