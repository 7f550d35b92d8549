package tunnel

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/vishvananda/netlink"
	"golang.zx2c4.com/wireguard/device"
	"golang.zx2c4.com/wireguard/tun"
)

// nsTUN wraps a TUN device created in another network namespace: wireguard-go
// asks the TUN for its MTU with an ioctl on a socket of the calling thread's
// namespace, which would name the wrong (or no) interface. This asks
// through a netlink handle of the right namespace instead.
type nsTUN struct {
	tun.Device
	nl   *netlink.Handle
	name string
}

// MTU implements tun.Device.
func (t *nsTUN) MTU() (int, error) {
	l, err := t.nl.LinkByName(t.name)
	if err != nil {
		return 0, fmt.Errorf("tunnel: mtu of %s: %w", t.name, err)
	}
	return l.Attrs().MTU, nil
}

// createTUN creates the TUN interface name in ns.
func createTUN(ns nsHandle, nl *netlink.Handle, name string, mtu int) (*nsTUN, error) {
	var td tun.Device
	err := ns.do(func() error {
		var err error
		td, err = tun.CreateTUN(name, mtu)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("tunnel: create TUN interface %s: %w", name, err)
	}
	return &nsTUN{Device: td, nl: nl, name: name}, nil
}

// wgLogger adapts slog to wireguard-go's logger.
func wgLogger(log *slog.Logger) *device.Logger {
	return &device.Logger{
		Verbosef: func(format string, args ...any) {
			if log.Enabled(context.Background(), slog.LevelDebug) {
				log.Debug(fmt.Sprintf(format, args...))
			}
		},
		Errorf: func(format string, args ...any) {
			log.Warn(fmt.Sprintf(format, args...))
		},
	}
}

// configureLink puts address on the interface, turns off IPv6 address
// autoconfiguration (no router solicitations into the tunnel) and sets it
// up.
func configureLink(nl *netlink.Handle, name string, addrs ...*netlink.Addr) error {
	l, err := nl.LinkByName(name)
	if err != nil {
		return fmt.Errorf("tunnel: find interface %s: %w", name, err)
	}
	_ = nl.LinkSetIP6AddrGenMode(l, 1) // IN6_ADDR_GEN_MODE_NONE; fails harmlessly without IPv6
	for _, a := range addrs {
		if err := nl.AddrReplace(l, a); err != nil {
			return fmt.Errorf("tunnel: add address %v to %s: %w", a.IPNet, name, err)
		}
	}
	if err := nl.LinkSetUp(l); err != nil {
		return fmt.Errorf("tunnel: set %s up: %w", name, err)
	}
	return nil
}
