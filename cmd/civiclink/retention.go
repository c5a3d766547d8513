package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/govern"
)

func (m *Main) retentionCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "retention", Short: "Find and purge dataset versions past their agreements' retention"}
	plan := &cobra.Command{
		Use:   "plan",
		Short: "List the dataset versions past retention",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return m.asActor(cmd, func(svc *govern.Service, _ *govern.User) error {
				p, err := svc.PurgePlan(cmd.Context())
				if err != nil {
					return err
				}
				m.printPurges(p)
				return nil
			})
		},
	}
	var yes bool
	purge := &cobra.Command{
		Use:   "purge --yes",
		Short: "Drop your partner's dataset versions past retention (data owners), each audited",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return m.asActor(cmd, func(svc *govern.Service, actor *govern.User) error {
				p, err := svc.PurgePlan(cmd.Context())
				if err != nil {
					return err
				}
				st, err := svc.State(cmd.Context())
				if err != nil {
					return err
				}
				mine := govern.PlanFor(p, st.Owners, actor.PartnerID)
				m.printPurges(mine)
				if !yes {
					fmt.Fprintf(m.Stdout, "dry run: add --yes to purge these %d versions\n", len(mine))
					return nil
				}
				n, err := svc.Purge(cmd.Context(), actor, mine)
				fmt.Fprintf(m.Stdout, "purged %d versions\n", n)
				return err
			})
		},
	}
	purge.Flags().BoolVar(&yes, "yes", false, "really drop the data")
	cmd.AddCommand(plan, purge)
	return cmd
}

func (m *Main) printPurges(p []govern.Purge) {
	w := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(w, "DATASET\tVERSION\tROWS\tLOADED\tRETAIN UNTIL\tAGREEMENT")
	for _, x := range p {
		fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s\t%s\n", x.Version.DatasetID, x.Version.Number, x.Version.Rows,
			x.Version.LoadedAt.Format(time.DateOnly), x.RetainUntil.Format(time.DateOnly), x.Agreement)
	}
	w.Flush()
}
