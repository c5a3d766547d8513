package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/linkrun"
)

func (m *Main) linkReviewCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "review",
		Short: "Clerical review of a linkage run's borderline pairs",
		Long: `A run keeps its borderline pairs (those nearest the match threshold) for
clerical review. A reviewer sees each pair's datasets, score and the agreement
level and weight of every comparison, never names, dates, tokens or record ids,
and decides match, non-match or unsure. Decisions are labels: the next run over
the same datasets (full or incremental) estimates m with them and keeps decided
pairs together or apart. Listing and deciding need the access a linkage run
needs (an analyst under an agreement for the run's purpose), and every decision
is recorded in the audit log.`,
	}
	cmd.AddCommand(m.linkReviewListCmd(), m.linkReviewDecideCmd())
	return cmd
}

func (m *Main) linkReviewListCmd() *cobra.Command {
	var run int64
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list --run R [--limit N]",
		Short: "List a run's borderline pairs as agreement levels",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, u, err := m.linkService(cmd)
			if err != nil {
				return err
			}
			list, err := s.Review(cmd.Context(), u, run, limit)
			if err != nil {
				return err
			}
			if asJSON {
				return m.printJSON(map[string]any{"run": list.Run.ID, "purpose": list.Run.Purpose, "threshold": list.Threshold, "pairs": list.Pairs})
			}
			m.printReview(list)
			return nil
		},
	}
	f := cmd.Flags()
	f.Int64Var(&run, "run", 0, "the linkage run (default the latest)")
	f.IntVar(&limit, "limit", 20, "most pairs to list (0: all)")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (m *Main) printReview(list *linkrun.ReviewList) {
	fmt.Fprintf(m.Stdout, "linkage run %d (%s): %d borderline pairs, threshold %.4f\n", list.Run.ID, list.Run.Purpose, len(list.Pairs), list.Threshold)
	tw := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "PAIR\tDATASETS\tPROBABILITY\tWEIGHT\tAGREEMENT (weight)\tDECISION")
	for _, p := range list.Pairs {
		var fields []string
		for _, f := range p.Fields {
			fields = append(fields, fmt.Sprintf("%s %s (%+.1f)", f.Comparison, f.Level, f.Weight))
		}
		decision := "-"
		if d := p.Decision; d != nil {
			decision = d.Decision + " by " + d.By
		}
		fmt.Fprintf(tw, "%d\t%s ~ %s\t%.4f\t%+.2f\t%s\t%s\n", p.Pair, p.DatasetLeft, p.DatasetRight, p.Probability, p.Weight, strings.Join(fields, "; "), decision)
	}
	tw.Flush()
}

func (m *Main) linkReviewDecideCmd() *cobra.Command {
	var run int64
	var pair int
	var match, nonMatch, unsure bool
	var note string
	cmd := &cobra.Command{
		Use:   "decide --run R --pair P --match|--non-match|--unsure [--note TEXT]",
		Short: "Record a clerical decision on a borderline pair",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var v linkrun.Verdict
			n := 0
			for flag, verdict := range map[*bool]linkrun.Verdict{&match: linkrun.Match, &nonMatch: linkrun.NonMatch, &unsure: linkrun.Unsure} {
				if *flag {
					v, n = verdict, n+1
				}
			}
			if n != 1 {
				return fault.Errorf(fault.Invalid, "give exactly one of --match, --non-match or --unsure")
			}
			if pair <= 0 {
				return fault.Errorf(fault.Invalid, "name the pair with --pair (see `civiclink link review list`)")
			}
			s, u, err := m.linkService(cmd)
			if err != nil {
				return err
			}
			if run == 0 {
				latest, err := s.Store.LinkageRun(cmd.Context(), 0)
				if err != nil {
					return err
				}
				run = latest.ID
			}
			p, err := s.Decide(cmd.Context(), u, run, pair, v, note)
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "run %d pair %d (%s ~ %s): %s, recorded; the next linkage run over these datasets uses it\n", run, p.Pair, p.DatasetLeft, p.DatasetRight, p.Decision.Decision)
			return nil
		},
	}
	f := cmd.Flags()
	f.Int64Var(&run, "run", 0, "the linkage run (default the latest)")
	f.IntVar(&pair, "pair", 0, "the pair's number in the run's review list")
	f.BoolVar(&match, "match", false, "the two records are the same person")
	f.BoolVar(&nonMatch, "non-match", false, "the two records are different people")
	f.BoolVar(&unsure, "unsure", false, "cannot tell (kept, not used as a label)")
	f.StringVar(&note, "note", "", "why (kept with the decision; not in the audit log)")
	return cmd
}
