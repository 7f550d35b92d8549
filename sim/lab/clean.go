package lab

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"syscall"

	"github.com/argonet/argo/sim/fabric"
)

// runRE matches the ID at the start of a run's namespace or directory name.
var runRE = regexp.MustCompile(`^(argosim-r([0-9]+)-[0-9a-f]{6})(-|$)`)

// Leftover is what one run left behind.
type Leftover struct {
	ID      string // run ID
	Pid     int    // owner process
	Alive   bool   // the owner still runs
	Netns   []string
	WorkDir string // "" if none
}

// Leftovers lists the runs that have namespaces or a work directory.
func Leftovers() ([]Leftover, error) {
	byID := map[string]*Leftover{}
	get := func(name string) *Leftover {
		m := runRE.FindStringSubmatch(name)
		if m == nil {
			return nil
		}
		lo := byID[m[1]]
		if lo == nil {
			pid, _ := strconv.Atoi(m[2])
			lo = &Leftover{ID: m[1], Pid: pid, Alive: pidAlive(pid)}
			byID[m[1]] = lo
		}
		return lo
	}
	entries, err := os.ReadDir(netnsDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("list %s: %w", netnsDir, err)
	}
	for _, e := range entries {
		if lo := get(e.Name()); lo != nil {
			lo.Netns = append(lo.Netns, e.Name())
		}
	}
	dirs, err := os.ReadDir(os.TempDir())
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", os.TempDir(), err)
	}
	for _, e := range dirs {
		if lo := get(e.Name()); lo != nil && e.IsDir() && e.Name() == lo.ID {
			lo.WorkDir = filepath.Join(os.TempDir(), e.Name())
		}
	}
	out := make([]Leftover, 0, len(byID))
	for _, lo := range byID {
		out = append(out, *lo)
	}
	slices.SortFunc(out, func(a, b Leftover) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return out, nil
}

// pidAlive reports whether process pid exists (and is not a zombie).
func pidAlive(pid int) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')') // the command name may hold ')'
	return !(i >= 0 && i+2 < len(b) && b[i+2] == 'Z')
}

// Remove deletes what run lo left: it kills the processes in its
// namespaces (argod, the fabric forwarder), deletes the namespaces and
// their veths, and removes the work directory. It returns what it deleted.
func Remove(lo Leftover) ([]string, error) {
	deleted, err := fabric.Clean(lo.ID + "-")
	if lo.WorkDir != "" {
		if rerr := os.RemoveAll(lo.WorkDir); rerr != nil {
			err = errors.Join(err, rerr)
		} else {
			deleted = append(deleted, lo.WorkDir)
		}
	}
	return deleted, err
}

// CleanStale removes the leftovers of runs whose owner process is gone
// (crashed or killed). Runs still in progress are left alone.
func CleanStale() ([]string, error) { return clean(false) }

// CleanAll removes the leftovers of every run, including runs whose owner
// still runs (use it when an owner hangs).
func CleanAll() ([]string, error) { return clean(true) }

func clean(all bool) ([]string, error) {
	los, err := Leftovers()
	if err != nil {
		return nil, err
	}
	var deleted []string
	var errs []error
	for _, lo := range los {
		if lo.Alive && (!all || lo.Pid == os.Getpid()) {
			continue
		}
		d, err := Remove(lo)
		deleted = append(deleted, d...)
		if err != nil {
			errs = append(errs, fmt.Errorf("run %s: %w", lo.ID, err))
		}
	}
	return deleted, errors.Join(errs...)
}
