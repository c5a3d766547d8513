package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/demo"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/ingest"
)

func (m *Main) loadCmd() *cobra.Command {
	var o demo.CountyOptions
	cmd := &cobra.Command{
		Use:   "load DIR",
		Short: "Register and ingest a generated county (from `civiclink synth`), or load an update into an existing store",
		Long: `Read DIR/manifest.json, register its partners and datasets, and ingest every
dataset. Each agency file is first pseudonymised as its partner would before
sharing (identifiers become keyed tokens and Bloom filters; the encoded files
go to DIR/encoded), with the partners' shared secret from --secret-file or a
new one made in DIR. --raw loads the files with their identifiers, for
evaluating linkage on plain values only.

Into a store that already has some of the datasets (a partnership's monthly
update), each existing dataset gets a new version, after the same checks as
any ingest, provided it belongs to the same partner and keeps its columns
and types; the others are created. A file byte-identical to a version
already loaded adds nothing. Give the update the secret the first load used
(--secret-file FIRST/partner-secret.key), or its tokens will not link.

Into a store that has users, the acting user (--user) must be a data owner
of the partner of every dataset loaded: each is checked before anything is
written, a refusal stops the whole load (and is on the audit log), and each
new version gets its own audit entry, as with ingest. --partner loads only
one partner's datasets.`,
		Args: exactArgs(1, "the county folder"),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			o.User, o.Log = m.User, m.Stdout
			if users, err := st.Users(cmd.Context()); err != nil {
				return err
			} else if len(users) > 0 {
				// A store in use: the acting user must be a registered data
				// owner of every dataset loaded, and each version goes
				// through the ingest service (its check, its audit entry).
				s, u, err := m.acting(cmd)
				if err != nil {
					return err
				}
				o.Check = func(ctx context.Context, d *catalog.Dataset, exists bool) error {
					if exists {
						_, err := s.Ingest.Check(ctx, u, d.ID)
						return err
					}
					err := s.Gov.AuthorizeLoad(ctx, u, d)
					if err != nil {
						m.record(ctx, audit.Event{User: u.ID, Partner: u.PartnerID, Action: audit.ActionIngest, Target: "dataset:" + d.ID,
							Outcome: audit.Denied, Reason: fault.Message(err), Datasets: []audit.Dataset{{ID: d.ID, Owner: d.PartnerID}}})
					}
					return err
				}
				o.Load = func(ctx context.Context, datasetID, path string) (*ingest.Result, error) {
					return s.Ingest.Load(ctx, u, ingest.Request{DatasetID: datasetID, Path: path})
				}
			}
			man, err := demo.LoadCounty(cmd.Context(), st, args[0], o)
			if err != nil {
				return err
			}
			e := audit.Event{Action: audit.ActionIngest, Target: "county:" + args[0], Outcome: audit.Allowed,
				Details: mustJSON(map[string]any{"people": man.People, "seed": man.Seed, "raw": o.Raw})}
			for _, d := range man.Datasets {
				e.Datasets = append(e.Datasets, audit.Dataset{ID: d.ID, Owner: d.Partner})
			}
			if err := m.record(cmd.Context(), e); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "loaded %d datasets of a county of %d people (seed %d)\n", len(man.Datasets), man.People, man.Seed)
			return nil
		},
	}
	cmd.Flags().StringVar(&o.Partner, "partner", "", "load only this partner's datasets (an update a partner's data owner loads)")
	cmd.Flags().BoolVar(&o.Raw, "raw", false, "load identifiers as they are (evaluation only)")
	cmd.Flags().StringVar(&o.SecretFile, "secret-file", "", "the partners' shared linkage secret (default: DIR/partner-secret.key, made if absent)")
	return cmd
}
