package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/link/eval"
	"github.com/civiclink/civiclink/internal/linkrun"
)

func (m *Main) linkRunCmd() *cobra.Command {
	var datasets, configPath, truthPath, memory string
	var req linkrun.Request
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "run --datasets a,b,c --purpose P",
		Short: "Link datasets in the store on their pseudonymous identifiers into entities",
		Long: `Link the latest versions of the named datasets on their tokens and Bloom-filter
encodings, store the result as a new linkage run (each record's entity, the
matched pairs, the model, the borderline pairs for clerical review and quality
figures), and print its quality. With --truth (a CSV of dataset, record_id,
person_id, such as a synthetic county's truth.csv) the run is also measured
against the truth.

With --incremental, only records added or changed since the latest run (or
--from RUN) are linked, against that run's entities and with its model; the
rest keep their entity ids. A full run takes entity ids from the previous run
by largest overlap. Clerical decisions (civiclink link review decide) on the
datasets' records are used as labels by every run.`,
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
			budget, err := memoryBudget(memory)
			if err != nil {
				return err
			}
			s, u, err := m.linkService(cmd)
			if err != nil {
				return err
			}
			bar := m.stageBar()
			opt := link.Options{Progress: stageProgress(bar, ""), Memory: budget}
			res, err := s.Run(cmd.Context(), u, req, opt)
			if bar != nil {
				bar.Finish()
			}
			if err != nil {
				return err
			}
			if asJSON {
				return m.printJSON(map[string]any{"run": res.Run, "records": res.Records, "entities": res.Entities, "threshold": res.Link.Threshold,
					"evaluation": res.Evaluation, "incremental": res.Incremental, "labels": res.Labels, "carried_ids": res.Carried})
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
	f.BoolVar(&req.Incremental, "incremental", false, "link only records added or changed since the latest run (or --from), with its model, keeping its entity ids")
	f.Int64Var(&req.From, "from", 0, "the run to extend (with --incremental) or to take entity ids from (full run; default the latest)")
	memoryFlag(cmd, &memory)
	return cmd
}

func (m *Main) printLinkRun(res *linkrun.Result) {
	r := res.Link
	m.printWarnings(r)
	fmt.Fprintf(m.Stdout, "linkage run %d (%s): %d records of %d datasets into %d entities\n", res.Run.ID, res.Run.Mode, res.Records, len(res.Run.Datasets), res.Entities)
	if i := res.Incremental; i != nil {
		fmt.Fprintf(m.Stdout, "  from run %d: %d unchanged, %d changed, %d added, %d removed, %d re-linked after review; %d joined existing entities, %d new entities\n",
			i.Parent, i.Unchanged, i.Changed, i.Added, i.Removed, i.Relabelled, i.Joined, i.NewEntities)
	} else if res.Run.ParentID != 0 {
		fmt.Fprintf(m.Stdout, "  %d entities kept their ids from run %d\n", res.Carried, res.Run.ParentID)
	}
	if res.Labels > 0 {
		fmt.Fprintf(m.Stdout, "  %d clerical decisions used as labels\n", res.Labels)
	}
	fmt.Fprintf(m.Stdout, "  blocking: %d candidate pairs of %.0f (max block %d)\n", r.Blocking.CandidatePairs, r.Blocking.AllPairs, r.Blocking.MaxBlockSize)
	fmt.Fprintf(m.Stdout, "  model: threshold %.3f, λ %.4f; %d matched pairs\n", r.Threshold, r.Model.Lambda, len(r.Matched))
	fmt.Fprintf(m.Stdout, "  clusters: %d (largest %d); guards refused %d joins\n", r.Clusters.Clusters, r.Clusters.Largest, r.Clusters.RefusedDensity+r.Clusters.RefusedOneToOne+r.Clusters.RefusedSize)
	if e := res.Evaluation; e != nil {
		fmt.Fprintf(m.Stdout, "  against the truth: pairwise precision %.4f recall %.4f F1 %.4f; B-cubed F1 %.4f\n",
			e.Pairs.Precision, e.Pairs.Recall, e.Pairs.F1, e.Clusters.BCubedF1)
	}
}
