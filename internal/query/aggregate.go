// Package query holds the questions the insight room asks of stored data:
// raw aggregates and cohorts over dataset versions, with filters in the
// small expression language of package expr. The types carry no SQL; a
// store compiles them into its own dialect.
package query

import (
	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/query/expr"
)

// GroupKey is how a result cell is grouped: a column, or a period of a date
// column.
type GroupKey struct {
	Column string
	// Period is "", "year", "quarter" or "month" (for date and datetime
	// columns): the cell key is then "2024", "2024-Q1" or "2024-01".
	Period string
}

// AggregateSpec is one raw aggregate over a dataset version. It is
// unchecked: only the insight room asks for it, and it applies disclosure
// control before anything leaves.
type AggregateSpec struct {
	Version *catalog.Version
	// Versions, when set, are read together instead of Version: every
	// version of an accumulating dataset (see insight's ReadVersions).
	Versions []*catalog.Version
	Schema   *catalog.Schema
	By       []GroupKey
	Where    expr.Node // checked against Schema; nil for all rows
	// SumColumn, when set, adds sum and max of that numeric column per cell.
	SumColumn string
	// Exclude lists record ids left out (e.g. opt-outs for the purpose).
	Exclude []string
	// IDs asks for each cell's record ids (for the differencing audit).
	IDs bool
	// Members, when set, asks for each cell's population digest under
	// that key instead (see disclose.Digest): computed in the database, so
	// no record id leaves it.
	Members *disclose.MemberKey
	// Keys asks for each cell's key sum (AggregateRow.Key) for the
	// cell-key method; without it the key column is not read.
	Keys bool
	// Buckets, with Members, asks for each cell's complete digest, per
	// hash bucket, in the same scan as the counts, when the auditor will
	// need it anyway (a dataset's first release): one scan instead of
	// two. Specs with a SumColumn or IDs get digests without buckets.
	Buckets bool
}

// AggregateRow is one raw cell: its keys (text; "" for null), the number of
// rows, and for a sum the total and the largest single contribution.
type AggregateRow struct {
	Keys  []string
	Count int64
	Sum   float64
	Top   []float64 // the two largest contributions to Sum, largest first
	IDs   []string
	// Members is the cell's population digest when the spec asked for it.
	Members *disclose.Digest
	// Key is the sum of the cell's records' cell keys (the store's
	// record-key column), for the cell-key method.
	Key uint64
}

// DatasetID is the dataset spec reads ("?" when it names no version).
func (spec AggregateSpec) DatasetID() string {
	if len(spec.Versions) > 0 {
		return spec.Versions[0].DatasetID
	}
	if spec.Version != nil {
		return spec.Version.DatasetID
	}
	return "?"
}
