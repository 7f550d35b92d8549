// Package scenarios holds the scenario files shipped with argosim: default
// (ten real-world PoPs, under 3 minutes) and small (four PoPs, for fast
// tests). It only embeds and parses them; it runs nothing.
package scenarios

import (
	"embed"
	"fmt"
	"sort"
	"strings"

	"github.com/argonet/argo/sim/scenario"
)

//go:embed *.yaml
var files embed.FS

// Names lists the embedded scenarios.
func Names() []string {
	entries, _ := files.ReadDir(".")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// Raw returns the YAML of the embedded scenario name.
func Raw(name string) ([]byte, error) {
	b, err := files.ReadFile(name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("no embedded scenario %q (have %s)", name, strings.Join(Names(), ", "))
	}
	return b, nil
}

// Load parses the embedded scenario name.
func Load(name string) (*scenario.Scenario, error) {
	b, err := Raw(name)
	if err != nil {
		return nil, err
	}
	return scenario.Parse(name+".yaml", b)
}
