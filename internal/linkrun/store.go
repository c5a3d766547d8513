package linkrun

import (
	"context"

	"github.com/civiclink/civiclink/internal/catalog"
)

// Store keeps linkage runs and reads the records they link. The store
// package implements it; methods return fault errors (NotFound for a
// missing run or pair). Nothing it returns is checked: the room asks
// governance before reading and before showing anything derived.
type Store interface {
	Dataset(ctx context.Context, id string) (*catalog.Dataset, error)
	// Version returns a dataset's version by number (0: the latest).
	Version(ctx context.Context, datasetID string, number int) (*catalog.Version, error)
	// IdentifierRows reads a version's record ids and the named columns
	// as text, one row per record ([id, values…]) in record id order,
	// and passes each row to each (which copies what it keeps: the slice
	// is reused), so no dataset is ever held as rows; a column the
	// version lacks is empty.
	IdentifierRows(ctx context.Context, v *catalog.Version, idColumn string, columns []string, each func(row []string) error) error

	// WriteLinkageRun stores a run with its entities, pairs and review
	// list in one transaction, setting its ID and CreatedAt.
	WriteLinkageRun(ctx context.Context, run *LinkageRun, w LinkageWrite) error
	// LinkageRun returns a run by id; id 0 means the latest.
	LinkageRun(ctx context.Context, id int64) (*LinkageRun, error)
	// CurrentLinkageRun returns the adopted run (NotFound when none).
	CurrentLinkageRun(ctx context.Context) (*LinkageRun, error)
	// Adoptions returns the adoption history, oldest first; AddAdoption
	// appends to it, making a run current. AddAdoption stores a.Seq
	// only if it is still the next one (the history did not change since
	// it was read), else it is a Conflict: two adoptions at once cannot
	// both land.
	Adoptions(ctx context.Context) ([]Adoption, error)
	AddAdoption(ctx context.Context, a *Adoption) error
	// AddApproval records a partner's approval of a draft run against the
	// adoption history at a.Base (a Conflict if that partner already
	// approved it against it); Approvals returns a run's approvals against
	// base.
	AddApproval(ctx context.Context, a *Approval) error
	Approvals(ctx context.Context, runID, base int64) ([]Approval, error)
	// LinkageRuns returns every run, newest first.
	LinkageRuns(ctx context.Context) ([]*LinkageRun, error)
	// EntityRows returns every record's entity (and fingerprint) in a run.
	EntityRows(ctx context.Context, runID int64) ([]EntityRow, error)
	// LinkagePairStats summarises the pairs kept with a run: counts per
	// pair of datasets and per whole unit of match weight.
	LinkagePairStats(ctx context.Context, runID int64) ([]LinkagePairCount, []LinkageWeightCount, error)

	// ReviewRows returns up to limit (0: all) of a run's review pairs in
	// pair order, each with the decision in force on it.
	ReviewRows(ctx context.Context, runID int64, limit int) ([]ReviewRow, error)
	// ReviewPair returns one review pair of a run.
	ReviewPair(ctx context.Context, runID int64, pair int) (*ReviewRow, error)
	// SaveLabel records a clerical decision, setting its ID and At.
	SaveLabel(ctx context.Context, l *Label) error
	// Labels returns the decision in force on each pair of records whose
	// datasets are both among datasets, oldest first.
	Labels(ctx context.Context, datasets []string) ([]Label, error)
}
