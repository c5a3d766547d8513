package query

import (
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/query/expr"
)

// CohortSource is one kind of event: the records of one linked dataset
// version matching a filter.
type CohortSource struct {
	Name    string
	Dataset *catalog.Dataset
	Version *catalog.Version
	// Versions, when set, are read together instead of Version (an
	// accumulating dataset; see insight's ReadVersions).
	Versions []*catalog.Version
	Where    expr.Node // checked against Dataset's schema; nil for all
	Exclude  []string  // record ids left out (opt-outs)
}

// CohortRule says which entities belong: exactly one of All, Sequence or
// AtLeast is set.
type CohortRule struct {
	All        []string // an event of each source
	Sequence   [2]string
	AtLeast    int      // events of at least this many of Of
	Of         []string //
	WithinDays int      // for All with two sources and Sequence: the window
}

// CohortSpec is a cohort over one linkage run.
type CohortSpec struct {
	RunID   int64
	Sources []CohortSource
	Rule    CohortRule
}

// CohortMember is one entity in a cohort with its index event: the event
// that completed the rule (the later event of a sequence or pair, the
// event that reached the count), whose date and district place the member
// in time and space.
type CohortMember struct {
	EntityID    string
	IndexDate   time.Time
	IndexSource string
	IndexRecord string
	District    string // the index record's district, when it has a lad-code column
	LSOA        string // the index record's LSOA, when it has an lsoa-code column
}
