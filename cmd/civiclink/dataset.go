package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/catalog"
)

func (m *Main) datasetCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "dataset", Short: "Manage the datasets partners share"}
	cmd.AddCommand(m.datasetAddCmd(), m.datasetListCmd(), m.datasetShowCmd())
	return cmd
}

func (m *Main) datasetAddCmd() *cobra.Command {
	var d catalog.Dataset
	var schemaPath string
	add := &cobra.Command{
		Use:   "add --partner PARTNER --id ID --schema FILE",
		Short: "Register a dataset and its schema (see docs/schema.md)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			sc, err := catalog.ReadSchemaFile(schemaPath)
			if err != nil {
				return err
			}
			d.Schema = sc
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			if err := s.CreateDataset(cmd.Context(), &d); err != nil {
				return err
			}
			if err := m.record(cmd.Context(), audit.Event{Action: "dataset.add", Target: "dataset:" + d.ID, Outcome: audit.Allowed,
				Datasets: []audit.Dataset{{ID: d.ID, Owner: d.PartnerID}}}); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "added dataset %s of partner %s with %d columns\n", d.ID, d.PartnerID, len(sc.Columns))
			return nil
		},
	}
	add.Flags().StringVar(&d.PartnerID, "partner", "", "owning partner id")
	add.Flags().StringVar(&d.ID, "id", "", "dataset id, e.g. incidents")
	add.Flags().StringVar(&d.Name, "name", "", "display name")
	add.Flags().StringVar(&d.Description, "description", "", "what the dataset holds")
	add.Flags().StringVar(&schemaPath, "schema", "", "schema file (JSON)")
	return add
}

func (m *Main) datasetListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List datasets with their latest version",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			ds, err := s.Datasets(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tPARTNER\tCOLUMNS\tVERSIONS\tLATEST ROWS")
			for _, d := range ds {
				vs, err := s.Versions(cmd.Context(), d.ID)
				if err != nil {
					return err
				}
				latest := "-"
				if len(vs) > 0 {
					latest = fmt.Sprint(vs[len(vs)-1].Rows)
				}
				fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%s\n", d.ID, d.PartnerID, len(d.Schema.Columns), len(vs), latest)
			}
			return w.Flush()
		},
	}
}

func (m *Main) datasetShowCmd() *cobra.Command {
	var asJSON bool
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show a dataset's schema, versions and latest quality report",
		Args:  exactArgs(1, "a dataset id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			d, err := s.Dataset(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			vs, err := s.Versions(cmd.Context(), d.ID)
			if err != nil {
				return err
			}
			if owner, err := m.seesValueRanges(cmd, d); err != nil {
				return err
			} else if !owner {
				vs = withoutValueRanges(vs)
				fmt.Fprintf(m.Stderr, "value ranges (min/max) are shown to %s, the owning partner, only\n", d.PartnerID)
			}
			if asJSON {
				return m.printJSON(struct {
					*catalog.Dataset
					Versions []*catalog.Version `json:"versions"`
				}{d, vs})
			}
			printDataset(m.Stdout, d, vs)
			return nil
		},
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return show
}

// seesValueRanges reports whether the acting user may see the min and max
// values in a dataset's quality reports: users of the owning partner, or
// anyone on a store that has no accounts yet (a single-user setup).
func (m *Main) seesValueRanges(cmd *cobra.Command, d *catalog.Dataset) (bool, error) {
	svc, st, err := m.governService(cmd.Context())
	if err != nil {
		return false, err
	}
	users, err := st.Users(cmd.Context())
	if err != nil || len(users) == 0 {
		return err == nil, err
	}
	u, err := m.actor(cmd, svc)
	if err != nil {
		return false, nil
	}
	return u.PartnerID == d.PartnerID, nil
}

// withoutValueRanges copies versions with the quality reports' min and max
// values blanked.
func withoutValueRanges(vs []*catalog.Version) []*catalog.Version {
	out := make([]*catalog.Version, len(vs))
	for i, v := range vs {
		cp := *v
		if v.Quality != nil {
			q := *v.Quality
			q.Columns = append([]catalog.ColumnQuality(nil), q.Columns...)
			for j := range q.Columns {
				q.Columns[j].Min, q.Columns[j].Max = "", ""
			}
			cp.Quality = &q
		}
		out[i] = &cp
	}
	return out
}
