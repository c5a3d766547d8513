// Package catalog holds the platform's inventory: the partners of the
// partnership, the datasets each shares, their schemas, and the immutable
// versions loaded into them with their quality reports.
//
// The types here carry no SQL and no HTTP; [Store] is implemented by the
// store package.
package catalog

import (
	"context"
	"regexp"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// Partner is an organisation of the partnership: the council, a district,
// police, fire and rescue, an NHS body, the university, a charity.
type Partner struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Dataset is a collection of records one partner shares, with a schema.
type Dataset struct {
	ID          string    `json:"id"`
	PartnerID   string    `json:"partner"`
	Name        string    `json:"name,omitempty"`
	Description string    `json:"description,omitempty"`
	Schema      *Schema   `json:"schema"`
	CreatedAt   time.Time `json:"created_at"`
}

// Version is one immutable load of a dataset.
type Version struct {
	ID        int64     `json:"id"`
	DatasetID string    `json:"dataset"`
	Number    int       `json:"number"`
	Rows      int64     `json:"rows"`
	Rejected  int64     `json:"rejected"`
	SHA256    string    `json:"sha256"`
	Source    string    `json:"source"` // the input's file name, not its path
	Format    string    `json:"format"`
	LoadedBy  string    `json:"loaded_by"`
	LoadedAt  time.Time `json:"loaded_at"`
	Quality   *Quality  `json:"quality,omitempty"`
	Table     string    `json:"-"` // where the store keeps the rows
	// AuditPending, set by the loader, has the store note in the version's
	// own transaction that its audit entry is still to be appended, so a
	// crash between the two is finished on the next opening.
	AuditPending bool `json:"-"`
}

// Quality is a version's data-quality report.
type Quality struct {
	Rows         int64           `json:"rows"`          // rows loaded
	InputRows    int64           `json:"input_rows"`    // rows read, loaded or rejected
	DuplicateIDs int64           `json:"duplicate_ids"` // rows whose record id repeats an earlier one
	Columns      []ColumnQuality `json:"columns"`
}

// ColumnQuality describes one column of a version.
type ColumnQuality struct {
	Name         string  `json:"name"`
	Type         Type    `json:"type"`
	Present      int64   `json:"present"`      // non-empty values among loaded rows
	Completeness float64 `json:"completeness"` // Present / Rows
	Invalid      int64   `json:"invalid"`      // values in the input that failed type or code-list checks
	Validity     float64 `json:"validity"`     // valid / non-empty values in the input
	Distinct     int64   `json:"distinct"`
	// DistinctEstimated says Distinct is a HyperLogLog estimate (about 2%
	// error), as it is for columns with very many distinct values.
	DistinctEstimated bool   `json:"distinct_estimated,omitempty"`
	Min               string `json:"min,omitempty"` // for dates, datetimes and numbers
	Max               string `json:"max,omitempty"`
}

// Store keeps the catalogue. Methods return [fault] errors: NotFound for a
// missing partner or dataset, Conflict for a duplicate id.
type Store interface {
	CreatePartner(ctx context.Context, p *Partner) error
	Partner(ctx context.Context, id string) (*Partner, error)
	Partners(ctx context.Context) ([]*Partner, error)

	CreateDataset(ctx context.Context, d *Dataset) error
	Dataset(ctx context.Context, id string) (*Dataset, error)
	Datasets(ctx context.Context) ([]*Dataset, error)

	Versions(ctx context.Context, datasetID string) ([]*Version, error)
	Version(ctx context.Context, datasetID string, number int) (*Version, error)
	// VersionBySHA returns the version of the dataset loaded from input with
	// the given sha256, or a NotFound error.
	VersionBySHA(ctx context.Context, datasetID, sha string) (*Version, error)

	// BeginLoad starts writing a new version of the dataset.
	BeginLoad(ctx context.Context, d *Dataset) (VersionWriter, error)
}

// VersionWriter writes one new, immutable dataset version. Nothing is
// visible until Commit; Abort (or a crash) leaves the store as it was.
type VersionWriter interface {
	// Append adds a row whose values follow the schema's column order, typed
	// string, int64, float64, bool, time.Time, or nil for empty.
	Append(values ...any) error
	// ColumnStats computes row count, duplicate record ids and per-column
	// present, distinct, min and max over the rows appended so far.
	ColumnStats(ctx context.Context) (rows, dupIDs int64, cols []ColumnQuality, err error)
	// Commit records v (Rows, Rejected, SHA256, Source, Format, LoadedBy and
	// Quality filled by the caller) as the next version; it sets ID, Number,
	// DatasetID and LoadedAt.
	Commit(ctx context.Context, v *Version) error
	// Abort discards the load; safe to call after Commit.
	Abort()
}

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)

// ValidateID checks an id for a partner or dataset: lower case letters,
// digits, - and _, starting with a letter, at most 63 characters.
func ValidateID(kind, id string) error {
	if !idPattern.MatchString(id) {
		return fault.Errorf(fault.Invalid, "%s id %q is not valid: use lower-case letters, digits, - and _, starting with a letter (e.g. \"police\")", kind, id)
	}
	return nil
}

// Validate checks a partner before it is created.
func (p *Partner) Validate() error {
	if err := ValidateID("partner", p.ID); err != nil {
		return err
	}
	if p.Name == "" {
		return fault.FieldErrorf(fault.Invalid, "name", "partner %q needs a name", p.ID)
	}
	return nil
}

// Validate checks a dataset before it is created.
func (d *Dataset) Validate() error {
	if err := ValidateID("dataset", d.ID); err != nil {
		return err
	}
	if err := ValidateID("partner", d.PartnerID); err != nil {
		return err
	}
	if d.Schema == nil {
		return fault.FieldErrorf(fault.Invalid, "schema", "dataset %q needs a schema", d.ID)
	}
	return d.Schema.Validate()
}
