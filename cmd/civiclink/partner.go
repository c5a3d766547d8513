package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/catalog"
)

func (m *Main) partnerCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "partner", Short: "Manage the partnership's organisations"}
	var p catalog.Partner
	add := &cobra.Command{
		Use:   "add --id ID --name NAME",
		Short: "Add a partner organisation",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			if err := s.CreatePartner(cmd.Context(), &p); err != nil {
				return err
			}
			if err := m.record(cmd.Context(), audit.Event{Action: "partner.add", Target: "partner:" + p.ID, Outcome: audit.Allowed}); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "added partner %s (%s)\n", p.ID, p.Name)
			return nil
		},
	}
	add.Flags().StringVar(&p.ID, "id", "", "short id, e.g. police")
	add.Flags().StringVar(&p.Name, "name", "", "display name, e.g. \"Essex Police\"")
	list := &cobra.Command{
		Use:   "list",
		Short: "List partners",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			ps, err := s.Partners(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tNAME")
			for _, p := range ps {
				fmt.Fprintf(w, "%s\t%s\n", p.ID, p.Name)
			}
			return w.Flush()
		},
	}
	cmd.AddCommand(add, list)
	return cmd
}
