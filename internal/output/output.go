// Package output is how a figure leaves the platform: an Output goes draft
// → checked (approved by an output checker other than its author) →
// released, or draft → rejected. A released output is immutable and
// versioned, and only released outputs are exported (CSV, JSON, GeoJSON).
// Package release runs the lifecycle for users.
package output

import (
	"context"
	"encoding/json"
	"time"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
)

// Status is where an output is in its lifecycle.
type Status string

// The lifecycle: draft → checked (approved by an output checker) →
// released; or draft → rejected.
const (
	Draft    Status = "draft"
	Checked  Status = "checked"
	Released Status = "released"
	Rejected Status = "rejected"
)

// The kinds of output: one disclosure-controlled table (an indicator by
// its dimensions), or a report of many figures (the programme's report to
// the Assembly), kept as a JSON document.
const (
	KindTable  = "table"
	KindReport = "report"
)

// Scope is one purpose's reads behind a report: an output checker must be
// allowed to check outputs of these datasets for this purpose.
type Scope struct {
	Purpose  string   `json:"purpose"`
	Datasets []string `json:"datasets"`
	// Columns are the columns of each dataset read for this purpose.
	Columns map[string][]string `json:"columns"`
}

// Output is one figure (or report of figures) on its way out.
type Output struct {
	ID      int64  `json:"id"`
	Series  string `json:"series"`  // e.g. the indicator's name
	Version int    `json:"version"` // per series, from 1
	// Kind is [KindTable] (the default) or [KindReport].
	Kind      string   `json:"kind"`
	Title     string   `json:"title"`
	Indicator string   `json:"indicator"`
	By        []string `json:"by"`
	Purpose   string   `json:"purpose"`
	Datasets  []string `json:"datasets"`
	// Columns are the columns of each dataset the output read, which a
	// checker must be allowed to review.
	Columns map[string][]string `json:"columns"`
	Status  Status              `json:"status"`
	// Scopes, for a report, are its reads by purpose (Purpose is then
	// empty): checking it is checking every scope.
	Scopes []Scope `json:"scopes,omitempty"`
	// Document is a report's content as JSON: every figure in it came
	// through disclosure control, and nothing changes it once stored.
	Document json.RawMessage `json:"-"`
	// Table is the disclosure-controlled table; Report the automatic
	// findings, which only output checkers see (they say which withheld
	// cells are small).
	Table      *disclose.Result `json:"-"`
	Report     *disclose.Report `json:"-"`
	CreatedBy  string           `json:"created_by"`
	CreatedAt  time.Time        `json:"created_at"`
	CheckedBy  string           `json:"checked_by,omitempty"`
	CheckedAt  time.Time        `json:"checked_at,omitzero"`
	Note       string           `json:"note,omitempty"`
	ReleasedBy string           `json:"released_by,omitempty"`
	ReleasedAt time.Time        `json:"released_at,omitzero"`
}

// Store keeps outputs. Transition moves an output from one status to
// another only if it is still in from, so two checkers cannot both act,
// and nothing moves a released output.
type Store interface {
	CreateOutput(ctx context.Context, o *Output) error
	Output(ctx context.Context, id int64) (*Output, error)
	Outputs(ctx context.Context) ([]*Output, error)
	TransitionOutput(ctx context.Context, id int64, from, to Status, by string, at time.Time, note string) error
}

// IsReport reports whether o is a report of many figures.
func (o *Output) IsReport() bool { return o.Kind == KindReport }

// Check returns an error unless o is in status want, as the action needs.
func Check(o *Output, want Status, action string) error {
	if o.Status != want {
		return fault.Errorf(fault.Conflict, "output %d is %s; only a %s output can be %s", o.ID, o.Status, want, action)
	}
	return nil
}

// MarshalTable encodes the table for storage.
func MarshalTable(r *disclose.Result) ([]byte, error) { return json.Marshal(r) }

// EncodeReport gives the stored form of o's kind, report document and
// scopes (kind "table" and empty strings for a table).
func EncodeReport(o *Output) (kind, doc, scopes string, err error) {
	if !o.IsReport() {
		return KindTable, "", "", nil
	}
	if !json.Valid(o.Document) {
		return "", "", "", fault.Errorf(fault.Internal, "report output %q has no valid JSON document", o.Series)
	}
	b, err := json.Marshal(o.Scopes)
	return KindReport, string(o.Document), string(b), err
}

// DecodeReport sets o's report document and scopes from their stored
// form; a report has no table.
func DecodeReport(o *Output, doc, scopes string) error {
	if !o.IsReport() {
		o.Kind = KindTable
		return nil
	}
	o.Table, o.Document = nil, json.RawMessage(doc)
	return json.Unmarshal([]byte(scopes), &o.Scopes)
}
