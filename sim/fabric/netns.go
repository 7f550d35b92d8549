package fabric

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/vishvananda/netns"
)

// netnsDir is where named network namespaces are bind-mounted (as by ip netns).
const netnsDir = "/var/run/netns"

// inNetns runs fn on a fresh OS thread that has entered ns, and returns its
// error. The thread returns to its original namespace afterwards; if it
// cannot, it is left locked so that the runtime destroys it.
func inNetns(ns netns.NsHandle, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			errc <- fmt.Errorf("get current netns: %w", err)
			return
		}
		defer orig.Close()
		if err := netns.Set(ns); err != nil {
			errc <- fmt.Errorf("enter netns: %w", err)
			return
		}
		ferr := fn()
		if err := netns.Set(orig); err != nil {
			errc <- fmt.Errorf("return to original netns: %w", err)
			return // thread stays locked and dies with this goroutine
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// CreateNetns creates the network namespace name, bind-mounted under
// /var/run/netns like `ip netns add`, and returns a handle to it (which the
// caller closes). The calling goroutine's thread is not affected.
func CreateNetns(name string) (netns.NsHandle, error) {
	if _, err := os.Stat(filepath.Join(netnsDir, name)); err == nil {
		return netns.None(), fmt.Errorf("netns %q already exists", name)
	}
	type result struct {
		h   netns.NsHandle
		err error
	}
	rc := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			rc <- result{netns.None(), fmt.Errorf("get current netns: %w", err)}
			return
		}
		defer orig.Close()
		h, err := netns.NewNamed(name) // also moves this thread into it
		if serr := netns.Set(orig); serr != nil {
			rc <- result{h, fmt.Errorf("return to original netns: %w", serr)}
			return // thread stays locked and dies with this goroutine
		}
		runtime.UnlockOSThread()
		if err != nil {
			err = fmt.Errorf("create netns %q: %w", name, err)
		}
		rc <- result{h, err}
	}()
	r := <-rc
	return r.h, r.err
}

// writeSysctl writes value to /proc/sys/<key> of the calling thread's
// network namespace.
func writeSysctl(key, value string) error {
	return os.WriteFile(filepath.Join("/proc/sys", key), []byte(value), 0o644)
}

// InNetns runs fn on a fresh OS thread that has entered the named network
// namespace and returns fn's error. Sockets that fn opens belong to that
// namespace for their whole life.
func InNetns(name string, fn func() error) error {
	ns, err := netns.GetFromPath(filepath.Join(netnsDir, name))
	if err != nil {
		return fmt.Errorf("netns %s: %w", name, err)
	}
	defer ns.Close()
	return inNetns(ns, fn)
}
