package fabric

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// minCleanPrefix keeps Clean("") or Clean("a") from wiping unrelated namespaces.
const minCleanPrefix = 4

// Clean removes what a crashed run left behind: it kills every process (other
// than this one) whose network namespace is a named namespace starting with
// prefix, deletes those namespaces, and deletes the links of the current
// namespace whose names start with prefix. It returns the names it deleted.
func Clean(prefix string) ([]string, error) {
	if len(prefix) < minCleanPrefix || strings.ContainsAny(prefix, "/\x00") {
		return nil, fmt.Errorf("clean prefix %q: want at least %d characters and no '/'", prefix, minCleanPrefix)
	}
	entries, err := os.ReadDir(netnsDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("list %s: %w", netnsDir, err)
	}
	var deleted []string
	var errs []error
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		if err := killNetnsProcs(filepath.Join(netnsDir, name)); err != nil {
			errs = append(errs, err)
		}
		if err := netns.DeleteNamed(name); err != nil {
			errs = append(errs, fmt.Errorf("delete netns %s: %w", name, err))
			continue
		}
		deleted = append(deleted, name)
	}
	if len(prefix) < unix.IFNAMSIZ {
		links, err := netlink.LinkList()
		if err != nil {
			errs = append(errs, fmt.Errorf("list links: %w", err))
		}
		for _, l := range links {
			if n := l.Attrs().Name; strings.HasPrefix(n, prefix) {
				if err := netlink.LinkDel(l); err != nil {
					errs = append(errs, fmt.Errorf("delete link %s: %w", n, err))
					continue
				}
				deleted = append(deleted, n)
			}
		}
	}
	return deleted, errors.Join(errs...)
}

// killNetnsProcs SIGKILLs the processes whose network namespace is the one
// bind-mounted at path (what `ip netns pids` lists) and waits up to a second
// for them to go.
func killNetnsProcs(path string) error {
	pids, err := netnsPids(path)
	if err != nil {
		return err
	}
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		alive := 0
		for _, pid := range pids {
			if syscall.Kill(pid, 0) == nil && !isZombie(pid) {
				alive++
			}
		}
		if alive == 0 {
			return nil
		}
	}
	return fmt.Errorf("processes %v in %s survived SIGKILL", pids, path)
}

// netnsPids lists the processes (not threads) whose network namespace is the
// one at path, excluding the calling process.
func netnsPids(path string) ([]int, error) {
	var want unix.Stat_t
	if err := unix.Stat(path, &want); err != nil {
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	self := os.Getpid()
	var pids []int
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || pid == self {
			continue
		}
		var st unix.Stat_t
		if unix.Stat(filepath.Join("/proc", p.Name(), "ns/net"), &st) != nil {
			continue // gone, or a kernel thread
		}
		if st.Dev == want.Dev && st.Ino == want.Ino {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

func isZombie(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return true
	}
	// Field 3, after the parenthesised command name.
	i := strings.LastIndexByte(string(b), ')')
	return i >= 0 && i+2 < len(b) && b[i+2] == 'Z'
}
