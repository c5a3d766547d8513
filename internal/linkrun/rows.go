package linkrun

import (
	"encoding/json"
	"time"
)

// The rows a linkage run is stored as. A store keeps them (see [Store]);
// other rooms read runs through these types: insight counts cohorts over a
// run's entities, the web shows a run's quality and review list.

// LinkedVersion names one dataset version that took part in a linkage run.
type LinkedVersion struct {
	DatasetID string `json:"dataset"`
	Version   int    `json:"version"`
}

// LinkageRun is an immutable linkage result: every record of its dataset
// versions is assigned an entity id.
type LinkageRun struct {
	ID        int64           `json:"id"`
	Datasets  []LinkedVersion `json:"datasets"`
	CreatedBy string          `json:"created_by"`
	CreatedAt time.Time       `json:"created_at"`
	Params    json.RawMessage `json:"params"`
	Quality   json.RawMessage `json:"quality"`
	// Purpose is the registered purpose the run served ("" for runs made
	// before it was recorded).
	Purpose string `json:"purpose,omitempty"`
	// ParentID is the run an incremental run extended, or a full re-link
	// took its entity ids from (0: none).
	ParentID int64 `json:"parent_id,omitempty"`
	// Mode is "full" or "incremental".
	Mode string `json:"mode,omitempty"`
}

// EntityRow assigns one record to an entity. Fingerprint, when set, is a
// hash of the record's identifiers at the run, so a later incremental run
// can tell whether the record changed.
type EntityRow struct {
	DatasetID, RecordID, EntityID string
	Fingerprint                   int64
}

// PairRow is one scored pair kept with a run.
type PairRow struct {
	DatasetL, RecordL, DatasetR, RecordR string
	Probability, Weight                  float64
}

// LinkageWrite is everything stored with a new run.
type LinkageWrite struct {
	Entities []EntityRow
	Pairs    []PairRow
	// Review is the run's borderline pairs, numbered from 1.
	Review []ReviewRow
	// CarryFrom, when not 0, copies that run's scored pairs into the new
	// run, except pairs touching a record in Dropped: an incremental run
	// keeps the pairs of the records it did not re-link. With
	// CarryEntities, the entity rows of every record not in Dropped are
	// copied too, and Entities holds only the other records'.
	CarryFrom     int64
	CarryEntities bool
	Dropped       []RecordKey
}

// RecordKey names a record by dataset and record id.
type RecordKey struct {
	DatasetID, RecordID string
}

// ReviewField is one comparison of a pair under review: its agreement
// level and the weight it adds, never the values compared.
type ReviewField struct {
	Comparison string  `json:"comparison"`
	Level      string  `json:"level"`
	Weight     float64 `json:"weight"`
}

// ReviewRow is one borderline pair kept with a run for clerical review.
// The record ids are for applying decisions; they are not shown to
// reviewers.
type ReviewRow struct {
	Pair                                 int
	DatasetL, RecordL, DatasetR, RecordR string
	Probability, Weight                  float64
	Fields                               []ReviewField
	// Decision is the latest decision on the pair of records, if any.
	Decision *Label
}

// Label is a clerical decision on a pair of records.
type Label struct {
	ID       int64     `json:"id"`
	RunID    int64     `json:"run"`
	Pair     int       `json:"pair"`
	DatasetL string    `json:"-"`
	RecordL  string    `json:"-"`
	DatasetR string    `json:"-"`
	RecordR  string    `json:"-"`
	Decision string    `json:"decision"`
	Note     string    `json:"note,omitempty"`
	By       string    `json:"decided_by"`
	At       time.Time `json:"decided_at"`
}

// LinkagePairCount is how many pairs a run kept between two datasets
// (DatasetL <= DatasetR; equal for duplicates within one).
type LinkagePairCount struct {
	DatasetL, DatasetR string
	Pairs              int64
}

// LinkageWeightCount is how many of a run's kept pairs have a match weight
// in [From, From+1).
type LinkageWeightCount struct {
	From  float64
	Pairs int64
}
