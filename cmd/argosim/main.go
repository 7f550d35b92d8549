// Command argosim runs argo's simulator: PoPs in network namespaces joined by
// an emulated WAN, real argod processes, scripted scenarios and a report.
package main

import (
	"fmt"
	"os"
)

const usage = `argosim — the argo simulator

usage:
  argosim run [SCENARIO]   build the namespaces, run the scenario, write a report
  argosim clean            remove everything a crashed run left behind
  argosim des MATRIX       discrete-event simulation of many PoPs in virtual time

The simulator lands with the simulator issue; this build only prints usage.
`

func main() {
	fmt.Fprint(os.Stderr, usage)
	if len(os.Args) > 1 && (os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help") {
		os.Exit(0)
	}
	os.Exit(2)
}
