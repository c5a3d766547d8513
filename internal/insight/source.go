package insight

import (
	"context"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/linkrun"
	"github.com/civiclink/civiclink/internal/query"
)

// Source is what insight reads from the store: the catalogue, raw
// aggregates and cohorts over dataset versions, and linkage runs. Nothing
// it returns is checked: the [Engine] asks governance first and applies
// disclosure control before anything leaves. The store package implements
// it; methods return fault errors (NotFound for a missing thing).
type Source interface {
	Dataset(ctx context.Context, id string) (*catalog.Dataset, error)
	// Version returns a dataset's version by number (0: the latest).
	Version(ctx context.Context, datasetID string, number int) (*catalog.Version, error)
	// Versions returns a dataset's versions in the catalogue, oldest first.
	Versions(ctx context.Context, datasetID string) ([]*catalog.Version, error)

	// RawAggregate runs spec and returns its cells ordered by key.
	RawAggregate(ctx context.Context, spec query.AggregateSpec) ([]query.AggregateRow, error)
	// CellBuckets returns the complete population digest of each cell of
	// spec (which must ask for Members), by the cell's keys joined with NUL.
	CellBuckets(ctx context.Context, spec query.AggregateSpec) (map[string]*disclose.Digest, error)
	// CohortMembers evaluates a cohort over a linkage run.
	CohortMembers(ctx context.Context, spec query.CohortSpec) ([]query.CohortMember, error)

	// UnitKeys returns the keys the cell-key method gives linked people,
	// under the store's secret.
	UnitKeys(ctx context.Context) (*disclose.UnitKeys, error)

	// LinkageRun returns a stored linkage run (id 0: the latest).
	LinkageRun(ctx context.Context, id int64) (*linkrun.LinkageRun, error)
	// CurrentLinkageRun returns the adopted run, the one figures read
	// when no run is named (NotFound when none has been adopted).
	CurrentLinkageRun(ctx context.Context) (*linkrun.LinkageRun, error)
	// Generation counts committed changes to stored state: a figure
	// computed at one count is current while the count is unchanged.
	Generation() uint64

	// EntityRecords returns, for the given entities of a run, their record
	// ids in the named datasets only, as (dataset, record id) pairs ordered
	// by dataset and id.
	EntityRecords(ctx context.Context, runID int64, entities, datasets []string) ([][2]string, error)
}

// readVersions returns the versions a query of dataset d at version number
// (0: the latest) reads. A replacing dataset's version stands alone. An
// accumulating one (catalog.Schema.Accumulates) is every version up to and
// including that one still in the catalogue, oldest first: versions purged
// under retention are gone from it and so from every figure.
func readVersions(ctx context.Context, s Source, d *catalog.Dataset, number int) ([]*catalog.Version, error) {
	v, err := s.Version(ctx, d.ID, number)
	if err != nil {
		return nil, err
	}
	if d.Schema == nil || !d.Schema.Accumulates {
		return []*catalog.Version{v}, nil
	}
	all, err := s.Versions(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	var out []*catalog.Version
	for _, x := range all {
		if x.Number <= v.Number {
			out = append(out, x)
		}
	}
	return out, nil
}
