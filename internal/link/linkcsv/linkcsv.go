// Package linkcsv turns CSV text into [link.Dataset] values. It reads from
// an io.Reader and never opens files, so callers decide where data comes
// from. Cells and header names are trimmed, as FEBRL files pad them with a
// space after each comma.
package linkcsv

import (
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/civiclink/civiclink/internal/csvhead"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/link"
)

// Read reads a CSV with a header row into a dataset called name. The
// idColumn identifies records and must be present and unique; drop names
// columns to leave out (a truth column, say), which are returned by
// column name in extra, one value per record.
func Read(r io.Reader, name, idColumn string, drop ...string) (ds link.Dataset, extra map[string][]string, err error) {
	cr, err := csvhead.New(r, csvhead.Options{TrimLeadingSpace: true})
	if errors.Is(err, io.EOF) {
		return ds, nil, fault.Errorf(fault.Invalid, "%s is empty: a header row naming the columns is needed", name)
	}
	if err != nil {
		return ds, nil, fault.Errorf(fault.Invalid, "%s header: %v", name, err)
	}
	header := cr.Header()
	idIdx, keep, extraIdx := cr.Index(idColumn), []int{}, map[string]int{}
	ds.Name = name
	for i, h := range header {
		switch {
		case i == idIdx:
		case slices.Contains(drop, h):
			extraIdx[h] = i
		default:
			keep = append(keep, i)
			ds.Fields = append(ds.Fields, h)
		}
	}
	if idIdx < 0 {
		return ds, nil, fault.Errorf(fault.Invalid, "%s has no id column %q (columns: %s): set id_column in the config", name, idColumn, strings.Join(header, ","))
	}
	for _, d := range drop {
		if _, ok := extraIdx[d]; !ok {
			return ds, nil, fault.Errorf(fault.Invalid, "%s has no column %q", name, d)
		}
	}
	extra = map[string][]string{}
	seen := map[string]int{}
	for cr.Next() {
		line := cr.Line()
		id := strings.TrimSpace(cr.Field(idIdx))
		if id == "" {
			return ds, nil, fault.Errorf(fault.Invalid, "%s line %d has an empty %s: every record needs an id", name, line, idColumn)
		}
		if prev, dup := seen[id]; dup {
			return ds, nil, fault.Errorf(fault.Invalid, "%s line %d repeats id %q of line %d: ids must be unique within a file", name, line, id, prev)
		}
		seen[id] = line
		vals := make([]string, len(keep))
		for j, i := range keep {
			vals[j] = strings.TrimSpace(cr.Field(i))
		}
		ds.Records = append(ds.Records, link.Record{ID: strings.Clone(id), Values: vals})
		for h, i := range extraIdx {
			extra[h] = append(extra[h], strings.TrimSpace(cr.Field(i)))
		}
	}
	if err := cr.Err(); err != nil {
		return ds, nil, fault.Errorf(fault.Invalid, "%s line %d: %v", name, cr.Line()+1, err)
	}
	return ds, extra, nil
}
