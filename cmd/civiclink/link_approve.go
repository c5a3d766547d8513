package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/linkrun"
)

func (m *Main) linkApproveCmd() *cobra.Command {
	var note string
	cmd := m.onRun("approve RUN [--note TEXT]", "Approve a draft linkage run for your partner (data owners of its datasets)",
		`Without a linkage steward, a draft run becomes the partnership's current
run once a data owner of every partner whose dataset is in it has approved
it against the current run; the last approval adopts it. Approvals given
before the current run changes no longer count (compare again, approve
again). Prints which partners are still to approve.`,
		func(ctx context.Context, svc *linkrun.Service, u *govern.User, id int64) error {
			st, err := svc.Approve(ctx, u, id, note)
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "%s approves linkage run %d\n", u.PartnerID, id)
			m.printApprovals(st)
			if st.Comparison != nil && st.Comparison.Current != 0 {
				m.printComparison(st.Comparison)
			}
			return nil
		})
	cmd.Flags().StringVar(&note, "note", "", "why, for the audit log")
	return cmd
}

func (m *Main) linkApprovalsCmd() *cobra.Command {
	return m.onRun("approvals RUN", "Which partners' data owners have approved a draft linkage run, and which are still to", "",
		func(ctx context.Context, svc *linkrun.Service, u *govern.User, id int64) error {
			st, err := svc.Approvals(ctx, u, id)
			if err != nil {
				return err
			}
			m.printApprovals(st)
			return nil
		})
}

func (m *Main) printApprovals(st *linkrun.ApprovalState) {
	for _, p := range st.Partners {
		by := "not yet"
		if a := p.Approval; a != nil {
			by = "approved by " + a.By + " at " + a.At.UTC().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(m.Stdout, "  %s (%s): %s\n", p.Partner, strings.Join(p.Datasets, ", "), by)
	}
	if st.Adopted {
		fmt.Fprintf(m.Stdout, "linkage run %d is now the current run\n", st.Run)
		return
	}
	fmt.Fprintf(m.Stdout, "still to approve: %s (the last approval adopts the run)\n", strings.Join(st.Missing, ", "))
}
