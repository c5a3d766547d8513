package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/crash"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/store"
)

func (m *Main) benchCrashCmd() *cobra.Command {
	var people, kills int
	var dir string
	var verbose bool
	cmd := &cobra.Command{
		Use:   "crash [--people N] [--kills K]",
		Short: "Kill each write path with SIGKILL at many points and check the store holds (see docs/crash.md)",
		Long: `Build a store from a synthetic county of --people, then run each write path
(ingest, link run full and incremental, agreement create, approve and
activate, output draft and release, retention purge, queries appending to
the audit log, an upload pushed to a server and a server under a burst of
reads) as a subprocess of this binary, killed with SIGKILL at
--kills points spread over its run. After every kill the store must open,
its audit log verify, hold only whole writes (no linkage rows or version
tables without their record) and keep everything the command reported done.
Prints what was attacked and what held; exits non-zero if anything broke.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			if dir == "" {
				if dir, err = os.MkdirTemp("", "civiclink-crash-"); err != nil {
					return err
				}
				defer os.RemoveAll(dir)
			}
			fmt.Fprintf(m.Stdout, "crash: building a store of a %d-person county in %s\n", people, dir)
			data, county, err := crashSetup(ctx, dir, people)
			if err != nil {
				return err
			}
			h := &crash.Harness[*store.Store]{Open: crashOpen, Exe: exe, Data: data, Global: []string{"--data", data, "--user", crashUser}}
			if verbose {
				h.Log = m.Stdout
			}
			broken := 0
			more, err := crashServerScenarios(ctx, h, county, dir)
			if err != nil {
				return err
			}
			for _, sc := range append(crashScenarios(county, dir), more...) {
				res, err := h.Run(ctx, sc, kills)
				if err != nil {
					return err
				}
				fmt.Fprintln(m.Stdout, res)
				broken += len(res.Problems)
			}
			if broken > 0 {
				return fault.Errorf(fault.Internal, "%d kills left the store broken", broken)
			}
			fmt.Fprintln(m.Stdout, "every kill left a store that opens, verifies and holds only whole writes")
			return nil
		},
	}
	cmd.Flags().IntVar(&people, "people", 3000, "people in the synthetic county")
	cmd.Flags().IntVar(&kills, "kills", 40, "kills per write path")
	cmd.Flags().StringVar(&dir, "dir", "", "folder for the store and inputs (default: a temporary one, removed after)")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "print every kill")
	return cmd
}
