// Command argosim runs argo's simulator: PoPs in network namespaces joined by
// an emulated WAN, real argod processes, scripted scenarios and a report; and
// a discrete-event mode for hundreds of PoPs in virtual time.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/argonet/argo/sim/fabric"
)

var version = "dev"

// commands is filled by the init functions of the files that implement the
// subcommands (run.go, clean.go, des.go, ...).
var commands []*cobra.Command

func main() {
	// The WAN emulator's forwarder runs as a child process of this binary.
	fabric.MaybeForwarder()
	root := &cobra.Command{
		Use:           "argosim",
		Short:         "argo simulator: emulated WAN, real argod processes, scenarios, reports",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(commands...)
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "argosim:", err)
		os.Exit(1)
	}
}
