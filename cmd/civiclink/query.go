package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/insight"
)

func (m *Main) queryCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "query", Short: "Disclosure-controlled figures: aggregates, cohorts and indicators"}
	cmd.AddCommand(m.queryAggregateCmd())
	return cmd
}

func (m *Main) queryAggregateCmd() *cobra.Command {
	var q insight.AggregateQuery
	var by, format string
	var epsilon float64
	cmd := &cobra.Command{
		Use:   "aggregate --dataset ID --by COL[,COL…] [--where EXPR] [--measure count|sum:COL|mean:COL]",
		Short: "Count (or sum) one dataset's records by columns or periods, disclosure-controlled",
		Long: `Aggregate one dataset you may use, grouped by columns (categories, codes) or by
year, quarter or month of its event date. EXPR filters rows, e.g.
  --where "crime_type IN ('Burglary', 'Robbery') AND month >= '2018-03-01'"
Every cell below the agreement's threshold is suppressed and shown as [c],
with secondary suppression so it cannot be worked out from totals.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "csv" && format != "json" {
				return fault.Errorf(fault.Invalid, "--format must be csv or json")
			}
			for _, b := range strings.Split(by, ",") {
				if b = strings.TrimSpace(b); b != "" {
					q.By = append(q.By, b)
				}
			}
			if epsilon > 0 {
				q.DP = &disclose.DPConfig{Mechanism: disclose.Laplace, Epsilon: epsilon}
			}
			e, u, err := m.insightEngine(cmd)
			if err != nil {
				return err
			}
			res, err := e.Aggregate(cmd.Context(), u, q)
			if err != nil {
				return err
			}
			if format == "json" {
				return disclose.WriteJSON(m.Stdout, res)
			}
			return disclose.WriteCSV(m.Stdout, res)
		},
	}
	f := cmd.Flags()
	f.StringVar(&q.Dataset, "dataset", "", "dataset id")
	f.IntVar(&q.Version, "version", 0, "dataset version (default: the latest)")
	f.StringVar(&by, "by", "", "columns or year/quarter/month, comma-separated")
	f.StringVar(&q.Where, "where", "", "filter expression")
	f.StringVar(&q.Measure, "measure", "count", "count, sum:COLUMN or mean:COLUMN")
	f.StringVar(&q.Purpose, "purpose", "", "the registered purpose the figures serve")
	f.Int64Var(&q.RoundTo, "round", 0, "round published counts to this base (e.g. 5)")
	f.Int64Var(&q.Threshold, "threshold", 0, "a stricter suppression threshold than the agreement's")
	f.Float64Var(&epsilon, "epsilon", 0, "publish differentially private counts, spending this ε of the dataset's budget")
	f.StringVar(&format, "format", "csv", "csv or json")
	return cmd
}
