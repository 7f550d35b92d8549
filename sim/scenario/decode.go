package scenario

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// maxErrors bounds how many errors one Parse reports.
const maxErrors = 20

// decoder walks a yaml.Node tree, collecting errors of the form
// "file:line: path: message".
type decoder struct {
	file string
	errs []error
}

func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	if len(d.errs) >= maxErrors {
		return
	}
	line := 0
	if n != nil {
		line = n.Line
	}
	msg := fmt.Sprintf(format, args...)
	if path != "" {
		msg = path + ": " + msg
	}
	d.errs = append(d.errs, fmt.Errorf("%s:%d: %s", d.file, line, msg))
}

func (d *decoder) err() error { return errors.Join(d.errs...) }

// fields walks mapping n, calling the handler of each key and reporting
// unknown keys; required keys that are missing are reported too.
func (d *decoder) fields(n *yaml.Node, path string, handlers map[string]func(*yaml.Node), required ...string) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "want a mapping, got %s", KindName(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		h, ok := handlers[key]
		if !ok || k.Kind != yaml.ScalarNode {
			d.errorf(k, join(path, key), "unknown field (known: %s)", knownKeys(handlers))
			continue
		}
		seen[key] = true
		h(v)
	}
	for _, r := range required {
		if !seen[r] {
			d.errorf(n, join(path, r), "missing required field")
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func knownKeys(h map[string]func(*yaml.Node)) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

// KindName describes node n for error messages: "a mapping", "a list",
// "null" or the quoted value.
func KindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

// list calls item for each element of sequence n.
func (d *decoder) list(n *yaml.Node, path string, item func(i int, n *yaml.Node, path string)) {
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "want a list, got %s", KindName(n))
		return
	}
	for i, e := range n.Content {
		item(i, e, fmt.Sprintf("%s[%d]", path, i))
	}
}

// scalar returns n's value if n is a non-null scalar.
func (d *decoder) scalar(n *yaml.Node, path, want string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.errorf(n, path, "want %s, got %s", want, KindName(n))
		return "", false
	}
	return n.Value, true
}

func (d *decoder) str(n *yaml.Node, path string, dst *string) {
	if v, ok := d.scalar(n, path, "a string"); ok {
		*dst = v
	}
}

func (d *decoder) boolean(n *yaml.Node, path string, dst *bool) {
	v, ok := d.scalar(n, path, "true or false")
	if !ok {
		return
	}
	switch v {
	case "true":
		*dst = true
	case "false":
		*dst = false
	default:
		d.errorf(n, path, "want true or false, got %q", v)
	}
}

// duration accepts Go durations ("20ms", "1m30s") and 0.
func (d *decoder) duration(n *yaml.Node, path string, dst *time.Duration) bool {
	v, ok := d.scalar(n, path, "a duration such as 20ms")
	if !ok {
		return false
	}
	if v == "0" {
		*dst = 0
		return true
	}
	t, err := time.ParseDuration(v)
	if err != nil {
		d.errorf(n, path, "want a duration such as 20ms, got %q", v)
		return false
	}
	if t < 0 {
		d.errorf(n, path, "negative duration %v", t)
		return false
	}
	*dst = t
	return true
}

func (d *decoder) float(n *yaml.Node, path string, dst *float64) bool {
	v, ok := d.scalar(n, path, "a number")
	if !ok {
		return false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		d.errorf(n, path, "want a number, got %q", v)
		return false
	}
	*dst = f
	return true
}

// probability accepts 0..1 or a percentage such as "20%".
func (d *decoder) probability(n *yaml.Node, path string, dst *float64) bool {
	v, ok := d.scalar(n, path, "a probability such as 0.2 or 20%")
	if !ok {
		return false
	}
	scale := 1.0
	if s, pct := strings.CutSuffix(v, "%"); pct {
		v, scale = strings.TrimSpace(s), 100
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) {
		d.errorf(n, path, "want a probability such as 0.2 or 20%%, got %q", n.Value)
		return false
	}
	f /= scale
	if f < 0 || f > 1 {
		d.errorf(n, path, "probability %s outside [0, 1]", n.Value)
		return false
	}
	*dst = f
	return true
}

func (d *decoder) integer(n *yaml.Node, path string, lo, hi int64, dst *int64) bool {
	v, ok := d.scalar(n, path, "an integer")
	if !ok {
		return false
	}
	i, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		d.errorf(n, path, "want an integer, got %q", v)
		return false
	}
	if i < lo || i > hi {
		d.errorf(n, path, "%d outside [%d, %d]", i, lo, hi)
		return false
	}
	*dst = i
	return true
}

// rateUnits maps rate suffixes (lower case) to bits per second.
var rateUnits = []struct {
	suffix string
	mult   float64
}{
	{"gbit", 1e9}, {"gbps", 1e9}, {"mbit", 1e6}, {"mbps", 1e6},
	{"kbit", 1e3}, {"kbps", 1e3}, {"bit", 1}, {"bps", 1},
}

// rate accepts "10Mbit", "1gbps", "500kbit", or a plain number of bit/s.
func (d *decoder) rate(n *yaml.Node, path string, dst *uint64) bool {
	v, ok := d.scalar(n, path, "a rate such as 10Mbit")
	if !ok {
		return false
	}
	num, mult := strings.ToLower(strings.TrimSpace(v)), 1.0
	for _, u := range rateUnits {
		if s, found := strings.CutSuffix(num, u.suffix); found {
			num, mult = strings.TrimSpace(s), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(f) || f < 0 || f*mult > 1e12 {
		d.errorf(n, path, "want a rate such as 10Mbit (0 to 1000Gbit), got %q", v)
		return false
	}
	*dst = uint64(f * mult)
	return true
}

func (d *decoder) prefix(n *yaml.Node, path string, dst *netip.Prefix) {
	v, ok := d.scalar(n, path, "a prefix such as 203.0.113.0/24")
	if !ok {
		return
	}
	p, err := netip.ParsePrefix(v)
	if err != nil {
		d.errorf(n, path, "want a prefix such as 203.0.113.0/24, got %q", v)
		return
	}
	if p != p.Masked() {
		d.errorf(n, path, "prefix %s has host bits set (network is %s)", p, p.Masked())
		return
	}
	*dst = p
}
