package xdp

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// bpffsMount is where the BPF filesystem is mounted when it is missing.
const bpffsMount = "/sys/fs/bpf"

// linkPinName is the file name of the pinned XDP link inside a PoP's pin
// directory; all other files there are map pins.
const linkPinName = "xdp_link"

// ensurePinDir creates dir on a BPF filesystem, mounting bpffs at
// /sys/fs/bpf first when dir is below it and nothing is mounted there.
func ensurePinDir(dir string, log *slog.Logger) error {
	if dir == bpffsMount || strings.HasPrefix(dir, bpffsMount+"/") {
		if !onBPFFS(bpffsMount) {
			if err := unix.Mount("bpf", bpffsMount, "bpf", 0, "mode=0700"); err != nil {
				return fmt.Errorf("mount bpffs at %s: %w", bpffsMount, err)
			}
			log.Info("xdp: mounted the BPF filesystem", "path", bpffsMount)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create pin directory: %w", err)
	}
	if !onBPFFS(dir) {
		return &FieldError{"Config.PinRoot", filepath.Dir(dir), "is not on a BPF filesystem (mount -t bpf bpf <dir>)"}
	}
	return nil
}

// onBPFFS reports whether path is on a BPF filesystem.
func onBPFFS(path string) bool {
	var st unix.Statfs_t
	return unix.Statfs(path, &st) == nil && uint32(st.Type) == unix.BPF_FS_MAGIC
}

// stalePins returns why the map pins in dir cannot be reused by this
// program version, or "" when they can (or when there are none).
func stalePins(spec *ebpf.CollectionSpec, dir string) string {
	found, version := 0, false
	for name, ms := range spec.Maps {
		m, err := ebpf.LoadPinnedMap(filepath.Join(dir, name), nil)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Sprintf("map %s: %v", name, err)
		}
		found++
		err = ms.Compatible(m)
		if err == nil && name == argoMapArgoVersion {
			version = true
			var v uint32
			if err = m.Lookup(uint32(0), &v); err == nil && v != mapVersion {
				err = fmt.Errorf("layout version %d, want %d", v, mapVersion)
			}
		}
		m.Close()
		if err != nil {
			return fmt.Sprintf("map %s: %v", name, err)
		}
	}
	if found > 0 && !version {
		return "no version map"
	}
	return ""
}

// removeMapPins deletes every pin in dir except the link pin.
func removeMapPins(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() == linkPinName {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// loadObjects loads the program and its maps. With a pin directory, maps
// are pinned there (reusing compatible pins, replacing stale ones);
// without, they live as long as the objects.
func loadObjects(pinDir string, log *slog.Logger) (*argoObjects, error) {
	spec, err := loadArgo()
	if err != nil {
		return nil, err
	}
	var opts ebpf.CollectionOptions
	if pinDir != "" {
		for _, ms := range spec.Maps {
			ms.Pinning = ebpf.PinByName
		}
		opts.Maps.PinPath = pinDir
		if why := stalePins(spec, pinDir); why != "" {
			log.Warn("xdp: replacing pinned maps of another program version; blocklist, rate limits and counters start empty",
				"dir", pinDir, "reason", why)
			if err := removeMapPins(pinDir); err != nil {
				return nil, fmt.Errorf("remove stale pins in %s: %w", pinDir, err)
			}
		}
	}
	objs := new(argoObjects)
	if err := spec.LoadAndAssign(objs, &opts); err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			return nil, fmt.Errorf("load BPF program: %+v", ve)
		}
		return nil, fmt.Errorf("load BPF program: %w", err)
	}
	return objs, nil
}
