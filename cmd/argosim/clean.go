package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/argonet/argo/sim/lab"
)

func init() { commands = append(commands, cleanCmd()) }

func cleanCmd() *cobra.Command {
	var all, dry bool
	cmd := &cobra.Command{
		Use:   "clean",
		Short: "Remove what crashed argosim runs left behind",
		Long: `Clean removes the network namespaces of argosim runs whose argosim process is
gone, kills the processes still in them (argod, the WAN emulator's forwarder),
and removes their work directories. With --all it also removes runs whose
argosim process still exists (use it when such a process hangs).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := cmd.OutOrStdout()
			los, err := lab.Leftovers()
			if err != nil {
				return err
			}
			n := 0
			for _, lo := range los {
				if lo.Alive && !all {
					fmt.Fprintf(w, "keeping run %s: its argosim (pid %d) still runs (use --all to remove it anyway)\n", lo.ID, lo.Pid)
					continue
				}
				n++
				if dry {
					fmt.Fprintf(w, "would remove run %s: %d namespaces, work directory %q\n", lo.ID, len(lo.Netns), lo.WorkDir)
					continue
				}
				gone, err := lab.Remove(lo)
				for _, g := range gone {
					fmt.Fprintf(w, "removed %s\n", g)
				}
				if err != nil {
					return fmt.Errorf("run %s: %w", lo.ID, err)
				}
			}
			if n == 0 {
				fmt.Fprintln(w, "nothing to clean")
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "also remove runs whose argosim process still exists")
	cmd.Flags().BoolVarP(&dry, "dry-run", "n", false, "only list what would be removed")
	return cmd
}
