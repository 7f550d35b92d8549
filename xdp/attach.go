package xdp

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
)

// attachFlags maps a configured mode to the attach modes to try, in order.
var attachFlags = map[Mode][]link.XDPAttachFlags{
	ModeAuto:    {link.XDPDriverMode, link.XDPGenericMode},
	ModeNative:  {link.XDPDriverMode},
	ModeGeneric: {link.XDPGenericMode},
}

// modeName names an attach flag as Mode() reports it.
func modeName(f link.XDPAttachFlags) string {
	if f == link.XDPDriverMode {
		return string(ModeNative)
	}
	return string(ModeGeneric)
}

// attachedMode asks the kernel how XDP is attached to ifindex.
func attachedMode(ifindex int) (string, error) {
	l, err := netlink.LinkByIndex(ifindex)
	if err != nil {
		return "", err
	}
	x := l.Attrs().Xdp
	switch {
	case x == nil || !x.Attached:
		return "", fmt.Errorf("no XDP program attached to ifindex %d", ifindex)
	case x.AttachMode == nl.XDP_ATTACHED_DRV:
		return string(ModeNative), nil
	case x.AttachMode == nl.XDP_ATTACHED_SKB:
		return string(ModeGeneric), nil
	}
	return "", fmt.Errorf("unexpected XDP attach mode %d on ifindex %d", x.AttachMode, ifindex)
}

// reusePinnedLink swaps prog into the XDP link a previous run pinned at
// path, if that link is attached to ifindex in a mode that mode allows. The
// interface then never runs without a program. It returns a nil link when
// there is nothing to reuse; an unusable pinned link is detached.
func reusePinnedLink(prog *ebpf.Program, ifindex int, mode Mode, path string, log *slog.Logger) (link.Link, string) {
	l, err := link.LoadPinnedLink(path, nil)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ""
	}
	if err != nil {
		log.Warn("xdp: cannot open pinned link, removing it", "path", path, "err", err)
		os.Remove(path)
		return nil, ""
	}
	why := ""
	info, err := l.Info()
	cur := ""
	switch {
	case err != nil:
		why = err.Error()
	case info.XDP() == nil || int(info.XDP().Ifindex) != ifindex:
		why = "attached to another interface"
	default:
		if cur, err = attachedMode(ifindex); err != nil {
			why = err.Error()
		} else if mode != ModeAuto && cur != string(mode) {
			why = "attached in " + cur + " mode, " + string(mode) + " requested"
		} else if err := l.Update(prog); err != nil {
			why = "update: " + err.Error()
		}
	}
	if why == "" {
		log.Info("xdp: replaced the program in the pinned link", "path", path, "mode", cur)
		return l, cur
	}
	log.Info("xdp: detaching pinned link of a previous run", "path", path, "reason", why)
	detachLink(l)
	return nil, ""
}

// attach attaches prog to ifindex (reusing a pinned link when possible),
// pins the link at path and returns it with the mode it runs in.
func attach(prog *ebpf.Program, ifindex int, mode Mode, path string, log *slog.Logger) (link.Link, string, error) {
	if l, cur := reusePinnedLink(prog, ifindex, mode, path, log); l != nil {
		return l, cur, nil
	}
	var errs []error
	for _, f := range attachFlags[mode] {
		l, err := link.AttachXDP(link.XDPOptions{Program: prog, Interface: ifindex, Flags: f})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", modeName(f), err))
			continue
		}
		if len(errs) > 0 {
			log.Warn("xdp: native mode unavailable, running in generic mode (slower)", "err", errors.Join(errs...))
		}
		if err := l.Pin(path); err != nil {
			l.Close()
			return nil, "", fmt.Errorf("pin link at %s: %w", path, err)
		}
		return l, modeName(f), nil
	}
	return nil, "", fmt.Errorf("attach to ifindex %d: %w (is another XDP program attached? ip link set dev <if> xdp off)",
		ifindex, errors.Join(errs...))
}

// detachLink removes l's pin and closes it, which detaches the program.
func detachLink(l link.Link) error {
	uerr := l.Unpin()
	return errors.Join(uerr, l.Close())
}

// detachPinned detaches the program a previous run left attached through
// the link pinned at path, if any.
func detachPinned(path string) error {
	l, err := link.LoadPinnedLink(path, nil)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return detachLink(l)
}
