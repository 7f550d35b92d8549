package tunnel

import (
	"fmt"
	"runtime"

	"github.com/vishvananda/netns"
)

// nsHandle names the network namespace a Backbone or OnRamp lives in.
type nsHandle struct {
	ns netns.NsHandle
}

// openNS opens the namespace at path, or the calling thread's namespace when
// path is empty.
func openNS(path string) (nsHandle, error) {
	var h netns.NsHandle
	var err error
	if path == "" {
		h, err = netns.Get()
	} else {
		h, err = netns.GetFromPath(path)
	}
	if err != nil {
		return nsHandle{}, fmt.Errorf("tunnel: open network namespace %q: %w", path, err)
	}
	return nsHandle{ns: h}, nil
}

// close releases the namespace handle.
func (n nsHandle) close() {
	if n.ns.IsOpen() {
		n.ns.Close()
	}
}

// do runs fn on an OS thread switched into the namespace. Sockets and TUN
// devices fn creates belong to that namespace for their whole life, whatever
// thread uses them later. If the thread cannot be switched back, it stays
// locked and dies with its goroutine.
func (n nsHandle) do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			errc <- fmt.Errorf("tunnel: get current network namespace: %w", err)
			return // thread stays locked and dies
		}
		defer orig.Close()
		if err := netns.Set(n.ns); err != nil {
			errc <- fmt.Errorf("tunnel: enter network namespace: %w", err)
			return
		}
		ferr := fn()
		if err := netns.Set(orig); err == nil {
			runtime.UnlockOSThread()
		}
		errc <- ferr
	}()
	return <-errc
}
