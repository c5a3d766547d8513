package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/linkrun"
)

// runArg parses a RUN argument.
func runArg(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.Errorf(fault.Invalid, "RUN must be a linkage run number (see `civiclink link runs` or the web's Linkage page), not %q", s)
	}
	return id, nil
}

// runAction is what a `link VERB RUN` command does with the run.
type runAction func(ctx context.Context, svc *linkrun.Service, u *govern.User, id int64) error

// onRun makes a command taking one RUN argument that acts with the
// linkage service as the acting user.
func (m *Main) onRun(use, short, long string, act runAction) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short, Long: long,
		Args: exactArgs(1, "one RUN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := runArg(args[0])
			if err != nil {
				return err
			}
			svc, u, err := m.linkService(cmd)
			if err != nil {
				return err
			}
			return act(cmd.Context(), svc, u, id)
		},
	}
}

func (m *Main) linkAdoptCmd() *cobra.Command {
	var note string
	cmd := m.onRun("adopt RUN [--note TEXT]", "Make a linkage run the partnership's current run (linkage stewards)",
		`A new linkage run is a draft: cohorts, indicators, theme pages and
safeguarding lists keep reading the current run until a linkage steward (or
a data owner of the partner owning every dataset in the run) adopts it, or
the data owners of every partner whose dataset is in it approve it (see
link approve). Prints what changes against the run it replaces (see link
compare).`,
		func(ctx context.Context, svc *linkrun.Service, u *govern.User, id int64) error {
			c, err := svc.Adopt(ctx, u, id, note)
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "linkage run %d is now the current run\n", id)
			if c.Current != 0 {
				m.printComparison(c)
			}
			return nil
		})
	cmd.Flags().StringVar(&note, "note", "", "why, for the audit log")
	return cmd
}

func (m *Main) linkRollbackCmd() *cobra.Command {
	var note string
	cmd := &cobra.Command{
		Use:   "rollback [--note TEXT]",
		Short: "Make the run current before the current one current again (linkage stewards)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, u, err := m.linkService(cmd)
			if err != nil {
				return err
			}
			run, err := svc.Rollback(cmd.Context(), u, note)
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "linkage run %d is the current run again\n", run.ID)
			return nil
		},
	}
	cmd.Flags().StringVar(&note, "note", "", "why, for the audit log")
	return cmd
}

func (m *Main) linkCompareCmd() *cobra.Command {
	return m.onRun("compare RUN", "Compare a linkage run with the current run: entities gained, lost, merged, split", "",
		func(ctx context.Context, svc *linkrun.Service, u *govern.User, id int64) error {
			c, err := svc.Compare(ctx, u, id)
			if err != nil {
				return err
			}
			m.printComparison(c)
			return nil
		})
}

func (m *Main) printComparison(c *linkrun.Comparison) {
	fmt.Fprintf(m.Stdout, "run %d against current run %d:\n", c.Run, c.Current)
	fmt.Fprintf(m.Stdout, "  records %d (current %d), entities %d (current %d)\n", c.Records, c.CurrentRecords, c.Entities, c.CurrentEntities)
	fmt.Fprintf(m.Stdout, "  unchanged %d, gained %d, lost %d, merged %d, split %d\n", c.Unchanged, c.Gained, c.Lost, c.Merged, c.Split)
}
