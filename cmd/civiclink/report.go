package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/civiclink/civiclink/internal/catalog"
)

// printDataset writes a dataset's schema and versions, and the quality
// report of its latest version, for a terminal.
func printDataset(w io.Writer, d *catalog.Dataset, vs []*catalog.Version) {
	fmt.Fprintf(w, "dataset %s (partner %s)\n", d.ID, d.PartnerID)
	if d.Description != "" {
		fmt.Fprintf(w, "  %s\n", d.Description)
	}
	fmt.Fprintln(w, "\nschema:")
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "  COLUMN\tTYPE\tROLE\tREQUIRED")
	for _, c := range d.Schema.Columns {
		req := ""
		if c.Required {
			req = "yes"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", c.Name, c.Type, c.Role, req)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nversions:")
	if len(vs) == 0 {
		fmt.Fprintln(w, "  none yet: load one with `civiclink ingest --dataset", d.ID, "FILE`")
		return
	}
	tw = tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "  #\tROWS\tREJECTED\tSOURCE\tLOADED BY\tLOADED AT\tSHA256")
	for _, v := range vs {
		fmt.Fprintf(tw, "  %d\t%d\t%d\t%s\t%s\t%s\t%.12s\n", v.Number, v.Rows, v.Rejected, v.Source, v.LoadedBy, v.LoadedAt.Format("2006-01-02 15:04:05"), v.SHA256)
	}
	tw.Flush()
	last := vs[len(vs)-1]
	fmt.Fprintf(w, "\nquality of version %d:\n", last.Number)
	printQuality(w, last.Quality)
}

// printQuality writes a quality report as a table.
func printQuality(w io.Writer, q *catalog.Quality) {
	if q == nil {
		return
	}
	fmt.Fprintf(w, "  rows loaded %d of %d read; duplicate record ids %d\n", q.Rows, q.InputRows, q.DuplicateIDs)
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "  COLUMN\tTYPE\tCOMPLETE\tVALID\tINVALID\tDISTINCT\tMIN\tMAX")
	for _, c := range q.Columns {
		distinct := fmt.Sprint(c.Distinct)
		if c.DistinctEstimated {
			distinct = "~" + distinct
		}
		fmt.Fprintf(tw, "  %s\t%s\t%.1f%%\t%.1f%%\t%d\t%s\t%s\t%s\n", c.Name, c.Type, 100*c.Completeness, 100*c.Validity, c.Invalid, distinct, c.Min, c.Max)
	}
	tw.Flush()
}
