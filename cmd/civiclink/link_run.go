package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/link/eval"
	"github.com/civiclink/civiclink/internal/linkrun"
)

func (m *Main) linkRunCmd() *cobra.Command {
	var datasets, configPath, truthPath string
	var req linkrun.Request
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "run --datasets a,b,c --purpose P",
		Short: "Link datasets in the store on their pseudonymous identifiers into entities",
		Long: `Link the latest versions of the named datasets on their tokens and Bloom-filter
encodings, store the result as a new linkage run (each record's entity, the
matched pairs, the model and quality figures), and print its quality. With
--truth (a CSV of dataset, record_id, person_id, such as a synthetic county's
truth.csv) the run is also measured against the truth.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			req.Datasets = append(req.Datasets, splitList(datasets)...)
			if configPath != "" {
				b, err := os.ReadFile(configPath)
				if err != nil {
					return fault.Errorf(fault.Invalid, "cannot read the linkage config %s: %v", configPath, err)
				}
				cfg, err := link.ParseConfig(b)
				if err != nil {
					return err
				}
				req.Config = &cfg
			}
			if truthPath != "" {
				f, err := os.Open(truthPath)
				if err != nil {
					return fault.Errorf(fault.Invalid, "cannot read the truth file %s: %v", truthPath, err)
				}
				req.Truth, err = eval.ReadTruth(f)
				f.Close()
				if err != nil {
					return err
				}
			}
			svc, st, err := m.governService(cmd.Context())
			if err != nil {
				return err
			}
			u, err := m.actor(cmd, svc)
			if err != nil {
				return err
			}
			bar := m.stageBar()
			opt := link.Options{}
			if bar != nil {
				opt.Progress = func(stage string, done, total int) {
					bar.Describe(stage)
					bar.ChangeMax(total)
					bar.Set(done)
				}
			}
			res, err := linkrun.Run(cmd.Context(), st, svc, u, req, opt)
			if bar != nil {
				bar.Finish()
			}
			if err != nil {
				return err
			}
			e := audit.Event{User: u.ID, Partner: u.PartnerID, Action: audit.ActionLink, Purpose: req.Purpose, Target: fmt.Sprintf("linkage-run:%d", res.Run.ID), Outcome: audit.Allowed,
				Details: mustJSON(map[string]any{"records": res.Records, "entities": res.Entities, "threshold": res.Link.Threshold})}
			for _, d := range req.Datasets {
				if ds, err := st.Dataset(cmd.Context(), d); err == nil {
					e.Datasets = append(e.Datasets, audit.Dataset{ID: d, Owner: ds.PartnerID})
				}
			}
			if err := m.record(cmd.Context(), e); err != nil {
				return err
			}
			if asJSON {
				return m.printJSON(map[string]any{"run": res.Run, "records": res.Records, "entities": res.Entities, "threshold": res.Link.Threshold, "evaluation": res.Evaluation})
			}
			m.printLinkRun(res)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&datasets, "datasets", "", "datasets to link, comma-separated")
	f.StringVar(&req.Purpose, "purpose", "", "the registered purpose the linkage serves")
	f.StringVar(&configPath, "config", "", "a linkage config (JSON) instead of the default model")
	f.StringVar(&truthPath, "truth", "", "truth CSV (dataset, record_id, person_id) to measure the run against")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (m *Main) printLinkRun(res *linkrun.Result) {
	r := res.Link
	fmt.Fprintf(m.Stdout, "linkage run %d: %d records of %d datasets into %d entities\n", res.Run.ID, res.Records, len(res.Run.Datasets), res.Entities)
	fmt.Fprintf(m.Stdout, "  blocking: %d candidate pairs of %.0f (max block %d)\n", r.Blocking.CandidatePairs, r.Blocking.AllPairs, r.Blocking.MaxBlockSize)
	fmt.Fprintf(m.Stdout, "  model: threshold %.3f, λ %.4f; %d matched pairs\n", r.Threshold, r.Model.Lambda, len(r.Matched))
	fmt.Fprintf(m.Stdout, "  clusters: %d (largest %d); guards refused %d joins\n", r.Clusters.Clusters, r.Clusters.Largest, r.Clusters.RefusedDensity+r.Clusters.RefusedOneToOne+r.Clusters.RefusedSize)
	if e := res.Evaluation; e != nil {
		fmt.Fprintf(m.Stdout, "  against the truth: pairwise precision %.4f recall %.4f F1 %.4f; B-cubed F1 %.4f\n",
			e.Pairs.Precision, e.Pairs.Recall, e.Pairs.F1, e.Clusters.BCubedF1)
	}
}
