package main

import (
	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/insight"
)

func (m *Main) queryTrendCmd() *cobra.Command {
	var by, format string
	var q insight.TrendQuery
	var summary bool
	cmd := &cobra.Command{
		Use:   "trend NAME [--by district] [--period month|quarter|year] [--format csv|json]",
		Short: "A named indicator over time, with rates, 95% intervals and a trend test",
		Long: `Compute one of the partnership's indicators (query indicator --list shows
them) as a time series by month, quarter or year: the county's and, with
--by district, each district's. Counts are disclosure-controlled ([c] is
suppressed, never 0); rates per 1,000 residents with 95% intervals are given
for published counts. Each series has a trend test (a Poisson log-linear
regression of its published counts on time): rising, falling or no clear
change, with the yearly rate ratio and its 95% interval; --summary prints
those tests instead of the cells. An indicator published a year per version
(road-ksi-dft, from DfT's STATS19 files) is by year.`,
		Args: exactArgs(1, "an indicator name (see query indicator --list)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "csv" && format != "json" {
				return fault.Errorf(fault.Invalid, "--format must be csv or json")
			}
			for _, b := range splitList(by) {
				if b != insight.DimDistrict {
					return fault.Errorf(fault.Invalid, "--by takes only district (the period is --period)")
				}
				q.ByDistrict = true
			}
			ind, err := insight.FindIndicator(args[0])
			if err != nil {
				return err
			}
			q.Indicator = ind
			e, u, err := m.insightEngine(cmd)
			if err != nil {
				return err
			}
			tr, err := e.Trend(cmd.Context(), u, q)
			switch {
			case err != nil:
				return err
			case format == "json":
				return m.printJSON(tr)
			case summary:
				return tr.WriteSummaryCSV(m.Stdout)
			}
			return tr.WriteCSV(m.Stdout)
		},
	}
	f := cmd.Flags()
	f.StringVar(&by, "by", "", "district, for a series per district as well as the county's")
	f.StringVar(&q.Period, "period", "", "month, quarter or year (default: month, or the indicator's own)")
	f.StringVar(&format, "format", "csv", "csv or json")
	f.BoolVar(&summary, "summary", false, "print each series' trend test (CSV) instead of its cells")
	return cmd
}
