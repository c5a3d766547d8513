package main

import (
	"fmt"
	"sort"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/govern"
)

func (m *Main) purposeCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "purpose", Short: "The purpose register: why partner data may be used"}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the purposes agreements and requests may name",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, _, err := m.governService(cmd.Context())
			if err != nil {
				return err
			}
			reg, err := svc.Register(cmd.Context())
			if err != nil {
				return err
			}
			ps := make([]govern.Purpose, 0, len(reg))
			for _, p := range reg {
				ps = append(ps, p)
			}
			return m.printPurposes(ps)
		},
	}
	var p govern.Purpose
	add := &cobra.Command{
		Use:   "add --id ID --name NAME",
		Short: "Add a purpose to the register (data owners and partner admins)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return m.asActor(cmd, func(svc *govern.Service, actor *govern.User) error {
				if err := svc.AddPurpose(cmd.Context(), actor, &p); err != nil {
					return err
				}
				fmt.Fprintf(m.Stdout, "added purpose %s (%s)\n", p.ID, p.Name)
				return nil
			})
		},
	}
	add.Flags().StringVar(&p.ID, "id", "", "short id, e.g. loneliness")
	add.Flags().StringVar(&p.Name, "name", "", "display name")
	add.Flags().StringVar(&p.Description, "description", "", "what the purpose is for")
	add.Flags().BoolVar(&p.Safeguarding, "safeguarding", false, "a safeguarding purpose: agreements may permit record-level output back to owners")
	cmd.AddCommand(list, add)
	throughServer(cmd, m.purposeRemotes())
	return cmd
}

// printPurposes prints the purposes as a table, by id.
func (m *Main) printPurposes(ps []govern.Purpose) error {
	sort.Slice(ps, func(i, j int) bool { return ps[i].ID < ps[j].ID })
	w := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSAFEGUARDING\tNAME\tDESCRIPTION")
	for _, p := range ps {
		sg := "-"
		if p.Safeguarding {
			sg = "yes"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", p.ID, sg, p.Name, p.Description)
	}
	return w.Flush()
}
