package main

import (
	"encoding/csv"
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/insight"
)

func (m *Main) queryCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "query", Short: "Disclosure-controlled figures: aggregates, cohorts and indicators"}
	cmd.AddCommand(m.queryAggregateCmd(), m.queryCohortCmd(), m.querySafeguardingCmd(), m.queryIndicatorCmd(), m.queryTrendCmd())
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
			q.By = append(q.By, splitList(by)...)
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

func (m *Main) queryCohortCmd() *cobra.Command {
	var q insight.CohortQuery
	var by, format string
	var rates bool
	cmd := &cobra.Command{
		Use:   "cohort NAME|FILE [--by district,quarter] [--run N]",
		Short: "Count the people in a cohort across linked datasets, by district and period",
		Long: `Count the people in a cohort, defined across linked datasets (a shipped one by
name, or a JSON definition file; see docs/insight.md), by the district and
period of the event that put them in it. Counts are disclosure-controlled;
--rates adds rates per 1,000 residents for published district counts.`,
		Args: exactArgs(1, "a cohort name or file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := insight.FindCohort(args[0])
			if err != nil {
				return err
			}
			q.Cohort = c
			q.By = append(q.By, splitList(by)...)
			e, u, err := m.insightEngine(cmd)
			if err != nil {
				return err
			}
			res, err := e.CohortTable(cmd.Context(), u, q)
			if err != nil {
				return err
			}
			if rates {
				return m.printJSON(map[string]any{"cohort": c, "cells": insight.DistrictRates(res, e.Geo, e.PopulationScale)})
			}
			if format == "json" {
				return disclose.WriteJSON(m.Stdout, res)
			}
			return disclose.WriteCSV(m.Stdout, res)
		},
	}
	f := cmd.Flags()
	f.StringVar(&by, "by", "district", "district and/or year, quarter or month")
	f.Int64Var(&q.Run, "run", 0, "linkage run (default: the latest)")
	f.StringVar(&q.Purpose, "purpose", "", "purpose (default: the cohort's own)")
	f.Int64Var(&q.RoundTo, "round", 0, "round published counts to this base (e.g. 5)")
	f.Int64Var(&q.Threshold, "threshold", 0, "a stricter suppression threshold than the agreement's")
	f.StringVar(&format, "format", "csv", "csv or json")
	f.BoolVar(&rates, "rates", false, "add rates per 1,000 residents (JSON)")
	return cmd
}

func (m *Main) querySafeguardingCmd() *cobra.Command {
	var q insight.CohortQuery
	var format string
	cmd := &cobra.Command{
		Use:   "safeguarding NAME|FILE [--run N] [--purpose P]",
		Short: "List your own partner's records about the people in a cohort (caseworkers, safeguarding purposes)",
		Long: `For a safeguarding purpose, under an agreement that permits record-level
output, a caseworker gets the records their own partner holds about the
people in a cohort: their own record ids and nothing of any other partner's
data. Everything else is refused with the reason.`,
		Args: exactArgs(1, "a cohort name or file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := insight.FindCohort(args[0])
			if err != nil {
				return err
			}
			q.Cohort = c
			e, u, err := m.insightEngine(cmd)
			if err != nil {
				return err
			}
			recs, err := e.SafeguardingList(cmd.Context(), u, q)
			if err != nil {
				return err
			}
			if format == "json" {
				return m.printJSON(recs)
			}
			w := csv.NewWriter(m.Stdout)
			w.Write([]string{"dataset", "record_id"})
			for _, r := range recs {
				w.Write([]string{r.Dataset, r.RecordID})
			}
			w.Flush()
			return w.Error()
		},
	}
	f := cmd.Flags()
	f.Int64Var(&q.Run, "run", 0, "linkage run (default: the latest)")
	f.StringVar(&q.Purpose, "purpose", "", "purpose (default: the cohort's own)")
	f.StringVar(&format, "format", "csv", "csv or json")
	return cmd
}

func (m *Main) queryIndicatorCmd() *cobra.Command {
	var by, format string
	var list bool
	cmd := &cobra.Command{
		Use:   "indicator NAME [--by district,month] [--format csv|json]",
		Short: "A named indicator by district and period, with rates per 1,000 residents",
		Long: `Compute one of the partnership's indicators (--list shows them) by district
and/or year, quarter or month: one header row and one row per cell, counts
disclosure-controlled ([c] is suppressed), with rates per 1,000 residents
(ONS mid-2022) and 95% intervals where the count is published.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if list {
				return nil
			}
			return exactArgs(1, "an indicator name (see --list)")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if list {
				all, err := insight.Indicators()
				if err != nil {
					return err
				}
				var names []string
				for n := range all {
					names = append(names, n)
				}
				sort.Strings(names)
				for _, n := range names {
					fmt.Fprintf(m.Stdout, "%-28s %-26s %s\n", n, all[n].Theme, all[n].Title)
				}
				return nil
			}
			ind, err := insight.FindIndicator(args[0])
			if err != nil {
				return err
			}
			e, u, err := m.insightEngine(cmd)
			if err != nil {
				return err
			}
			var dims []string
			dims = append(dims, splitList(by)...)
			t, err := e.Indicator(cmd.Context(), u, ind, dims)
			if err != nil {
				return err
			}
			if format == "json" {
				return m.printJSON(t)
			}
			return t.WriteCSV(m.Stdout)
		},
	}
	f := cmd.Flags()
	f.StringVar(&by, "by", "district", "district and/or year, quarter or month")
	f.StringVar(&format, "format", "csv", "csv or json")
	f.BoolVar(&list, "list", false, "list the indicators")
	return cmd
}
