package xdp

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
)

// Mode selects how the program is attached to the interface.
type Mode string

// Attachment modes.
const (
	// ModeAuto tries native (driver) mode and falls back to generic.
	ModeAuto Mode = "auto"
	// ModeNative attaches in the driver or fails.
	ModeNative Mode = "native"
	// ModeGeneric attaches in the generic (skb) hook: slower, works anywhere.
	ModeGeneric Mode = "generic"
	// ModeOff loads nothing and detaches a program a previous run kept.
	ModeOff Mode = "off"
)

// DefaultOverlayPort is the overlay UDP port used when Config.OverlayPort is 0.
const DefaultOverlayPort = 51821

// DefaultPinRoot is the directory on the BPF filesystem used when
// Config.PinRoot is empty.
const DefaultPinRoot = "/sys/fs/bpf/argo"

// Config describes one XDP attachment. The zero values of OverlayPort,
// Mode and PinRoot select the defaults.
type Config struct {
	// PopName names this PoP; maps are pinned under PinRoot/PopName.
	PopName string
	// PopID is this PoP's id in overlay hop lists.
	PopID uint16
	// Interface is the underlay interface the program attaches to.
	Interface string
	// OverlayPort is the UDP port of the overlay (default 51821).
	OverlayPort uint16
	// Mode is auto (default), native, generic or off.
	Mode Mode
	// KeepOnExit leaves the program attached (through its pinned link)
	// when Close is called, so traffic keeps flowing while argod restarts.
	KeepOnExit bool
	// PinRoot is a directory on a BPF filesystem (default /sys/fs/bpf/argo;
	// bpffs is mounted at /sys/fs/bpf if it is not).
	PinRoot string
	// ZeroUDPChecksum makes relayed datagrams leave with UDP checksum 0 (no
	// checksum, legal over IPv4; WireGuard authenticates its payload)
	// instead of an incrementally updated one. Set it where senders'
	// checksums may be partial: frames from a local socket over a veth with
	// TX checksum offload carry only the pseudo-header sum, XDP cannot see
	// that, and an XDP_TX'd copy then fails the receiver's check. Physical
	// NICs deliver complete checksums and need no such setting.
	ZeroUDPChecksum bool
	// Egress lists further interfaces the relay may transmit on with
	// XDP_REDIRECT when the next hop is routed through them. In native mode
	// a veth listed here needs an XDP program on its peer (see AttachPass).
	Egress []string
}

var popNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// withDefaults returns c with empty fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.OverlayPort == 0 {
		c.OverlayPort = DefaultOverlayPort
	}
	if c.Mode == "" {
		c.Mode = ModeAuto
	}
	if c.PinRoot == "" {
		c.PinRoot = DefaultPinRoot
	}
	c.Egress = slices.Clone(c.Egress)
	return c
}

// validate checks a config that went through withDefaults.
func (c Config) validate() error {
	if !popNameRE.MatchString(c.PopName) || c.PopName == "." || c.PopName == ".." {
		return &FieldError{"Config.PopName", c.PopName, "must match [A-Za-z0-9_.-]{1,64} and not be . or .."}
	}
	switch c.Mode {
	case ModeAuto, ModeNative, ModeGeneric, ModeOff:
	default:
		return &FieldError{"Config.Mode", string(c.Mode), "must be auto, native, generic or off"}
	}
	if err := validIfname("Config.Interface", c.Interface); err != nil {
		return err
	}
	if !filepath.IsAbs(c.PinRoot) || filepath.Clean(c.PinRoot) != c.PinRoot {
		return &FieldError{"Config.PinRoot", c.PinRoot, "must be a clean absolute path"}
	}
	for i, e := range c.Egress {
		field := fmt.Sprintf("Config.Egress[%d]", i)
		if err := validIfname(field, e); err != nil {
			return err
		}
		if e == c.Interface || slices.Index(c.Egress, e) != i {
			return &FieldError{field, e, "duplicate interface"}
		}
	}
	return nil
}

// validIfname checks an interface name as the kernel would (IFNAMSIZ 16).
func validIfname(field, name string) error {
	if name == "" || len(name) > 15 || name == "." || name == ".." {
		return &FieldError{field, name, "must be an interface name of 1..15 bytes"}
	}
	for _, r := range name {
		if r <= ' ' || r == '/' || r == ':' || r > '~' {
			return &FieldError{field, name, "must not contain spaces, '/', ':' or non-ASCII"}
		}
	}
	return nil
}
