package lab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

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
	h, err := fabric.CreateNetns(name)
	if h.IsOpen() {
		h.Close()
	}
	return err
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
