package lab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/argonet/argo/sim/fabric"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// netnsDir is where named network namespaces are bind-mounted (as by ip netns).
const netnsDir = "/var/run/netns"

// InNetns runs fn on a fresh OS thread that has entered the named network
// namespace, and returns fn's error; see fabric.InNetns.
func InNetns(name string, fn func() error) error { return fabric.InNetns(name, fn) }

// createNetns creates the named network namespace (like `ip netns add`)
// without moving the calling thread.
func createNetns(name string) error {
	if _, err := os.Stat(filepath.Join(netnsDir, name)); err == nil {
		return fmt.Errorf("netns %s already exists", name)
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			errc <- fmt.Errorf("get current netns: %w", err)
			return
		}
		defer orig.Close()
		h, err := netns.NewNamed(name) // also moves this thread into it
		if err == nil {
			h.Close()
		}
		if serr := netns.Set(orig); serr != nil {
			errc <- fmt.Errorf("return from new netns %s: %w", name, serr)
			return // the thread stays locked and dies with this goroutine
		}
		runtime.UnlockOSThread()
		if err != nil {
			err = fmt.Errorf("create netns %s: %w", name, err)
		}
		errc <- err
	}()
	return <-errc
}

// deleteNetns removes the named namespace; a missing one is not an error.
func deleteNetns(name string) error {
	err := netns.DeleteNamed(name)
	if err != nil && !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("delete netns %s: %w", name, err)
	}
	return nil
}

// sysctls writes each /proc/sys key of the namespace ns.
func sysctls(ns string, kv ...[2]string) error {
	return InNetns(ns, func() error {
		for _, s := range kv {
			if err := os.WriteFile(filepath.Join("/proc/sys", s[0]), []byte(s[1]), 0o644); err != nil {
				return fmt.Errorf("sysctl %s=%s in %s: %w", s[0], s[1], ns, err)
			}
		}
		return nil
	})
}
