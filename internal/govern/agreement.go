package govern

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
)

// Status is where an agreement is in its lifecycle.
type Status string

// The lifecycle: draft → approved (once every owning partner's data owner
// has approved) → active → suspended (and back to active) → ended. Expired is
// never stored: it is computed from the end date and the clock.
const (
	Draft     Status = "draft"
	Approved  Status = "approved"
	Active    Status = "active"
	Suspended Status = "suspended"
	Expired   Status = "expired"
	Ended     Status = "ended"
)

// OutputKind is what a read produces, and so what an agreement must permit
// and which role the reader needs.
type OutputKind string

// The kinds of output.
const (
	// Aggregate outputs are counts, rates and other statistics subject to
	// disclosure control; analysts produce them.
	Aggregate OutputKind = "aggregate"
	// RecordLevel outputs are records returned to the partner that owns them
	// (for a safeguarding purpose); caseworkers receive them.
	RecordLevel OutputKind = "record-level"
	// OutputCheck is an output checker reviewing an output before release.
	OutputCheck OutputKind = "output-check"
	// AuditLog is reading the audit log; auditors do it.
	AuditLog OutputKind = "audit"
)

// OutputKinds lists every [OutputKind].
var OutputKinds = []OutputKind{Aggregate, RecordLevel, OutputCheck, AuditLog}

// DefaultThreshold is the disclosure threshold (smallest publishable count)
// when an agreement sets none; MinThreshold is the lowest one may set.
const (
	DefaultThreshold = 10
	MinThreshold     = 5
)

// Party is an organisation in an agreement: an owner shares datasets, a
// recipient receives outputs; a partner may be both.
type Party struct {
	Partner   string `json:"partner"`
	Owner     bool   `json:"owner,omitempty"`
	Recipient bool   `json:"recipient,omitempty"`
	// LawfulBasis lists ids from [LawfulBases]; at least one Art 6 basis.
	LawfulBasis []string `json:"lawful_basis"`
}

// Share is one dataset in an agreement and exactly the columns shared.
type Share struct {
	Dataset string   `json:"dataset"`
	Columns []string `json:"columns"`
	// Budget, when set, lets differentially private queries spend on the
	// dataset under this agreement, per period.
	Budget *PrivacyBudget `json:"privacy_budget,omitempty"`
}

// Approval is one owning partner's data owner approving a draft, with the
// approver's optional note (at most [MaxNoteLength] characters).
type Approval struct {
	Partner string    `json:"partner"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	Note    string    `json:"note,omitempty"`
}

// Transition is one recorded change of an agreement: who, when, what.
type Transition struct {
	Action string    `json:"action"` // create, approve, activate, suspend, end
	From   Status    `json:"from,omitempty"`
	To     Status    `json:"to"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Note   string    `json:"note,omitempty"`
}

// Agreement is a data-sharing agreement with the content the ICO data
// sharing code asks for: who shares with whom, why, on what lawful basis,
// exactly which data, what may come out, for how long.
type Agreement struct {
	ID          string       `json:"id"`
	Title       string       `json:"title"`
	Purpose     string       `json:"purpose"`
	Description string       `json:"description,omitempty"`
	Parties     []Party      `json:"parties"`
	Datasets    []Share      `json:"datasets"`
	Outputs     []OutputKind `json:"outputs"`
	// Threshold is the disclosure threshold: no published count below it.
	Threshold int `json:"threshold,omitempty"`
	// RetentionDays is how long a shared dataset version is kept after it
	// is loaded.
	RetentionDays int  `json:"retention_days"`
	Start         Date `json:"start"`
	End           Date `json:"end"`
	Review        Date `json:"review"`

	Status    Status       `json:"status,omitempty"`
	Approvals []Approval   `json:"approvals,omitempty"`
	History   []Transition `json:"history,omitempty"`
	CreatedBy string       `json:"created_by,omitempty"`
	CreatedAt time.Time    `json:"created_at,omitzero"`
	// Revision counts saved changes, so two concurrent changes cannot both win.
	Revision int `json:"revision,omitempty"`
}

// ParseAgreement reads an agreement from JSON (unknown fields are an error)
// and checks its shape. Status, approvals and history are ignored: a new
// agreement always starts as a draft.
func ParseAgreement(r io.Reader) (*Agreement, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var a Agreement
	if err := dec.Decode(&a); err != nil {
		if fe, ok := err.(*fault.Error); ok {
			return nil, fe
		}
		return nil, fault.Wrap(err, fault.Invalid, "agreement is not valid JSON of the expected shape: %v (see docs/governance.md)", err)
	}
	a.Status, a.Approvals, a.History, a.Revision = Draft, nil, nil, 0
	if a.Threshold == 0 {
		a.Threshold = DefaultThreshold
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return &a, nil
}

// ParseAgreementFile is [ParseAgreement] for the file name holding b: a
// refusal names the file and, where the parser knows it, the line (a JSON
// error's position, or the line of the disclosure threshold a rule
// refused), then the reason.
func ParseAgreementFile(name string, b []byte) (*Agreement, error) {
	a, err := ParseAgreement(bytes.NewReader(b))
	if err == nil {
		return a, nil
	}
	where := "agreement file " + name
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	line := 0
	switch {
	case errors.As(err, &syn):
		line = lineAt(b, syn.Offset)
	case errors.As(err, &typ):
		line = lineAt(b, typ.Offset)
	case strings.Contains(fault.Message(err), "disclosure threshold"):
		if i := bytes.Index(b, []byte(`"threshold"`)); i >= 0 {
			line = lineAt(b, int64(i)+1)
		}
	}
	if line > 0 {
		where += fmt.Sprintf(", line %d", line)
	}
	return nil, fault.Wrap(err, fault.Code(err), "%s: %s", where, fault.Message(err))
}

// lineAt is the line of b (from 1) holding the byte before offset.
func lineAt(b []byte, offset int64) int {
	offset = min(max(offset, 1), int64(len(b)))
	return bytes.Count(b[:offset-1], []byte("\n")) + 1
}

// MarshalIndent returns the agreement as indented JSON.
func (a *Agreement) MarshalIndent() []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.Encode(a)
	return b.Bytes()
}

// Party returns the party for partner, or nil.
func (a *Agreement) Party(partner string) *Party {
	for i := range a.Parties {
		if a.Parties[i].Partner == partner {
			return &a.Parties[i]
		}
	}
	return nil
}

// Share returns the share of dataset, or nil.
func (a *Agreement) Share(dataset string) *Share {
	for i := range a.Datasets {
		if a.Datasets[i].Dataset == dataset {
			return &a.Datasets[i]
		}
	}
	return nil
}

// Permits reports whether the agreement permits output kind k. Output
// checking is permitted whenever any output is.
func (a *Agreement) Permits(k OutputKind) bool {
	if k == OutputCheck {
		return len(a.Outputs) > 0
	}
	return slices.Contains(a.Outputs, k)
}

// StatusAt returns the agreement's status at now: an approved, active or
// suspended agreement whose end date has passed is [Expired].
func (a *Agreement) StatusAt(now time.Time) Status {
	switch a.Status {
	case Approved, Active, Suspended:
		if !a.End.IsZero() && !now.Before(a.End.DayAfter()) {
			return Expired
		}
	}
	return a.Status
}

// ReviewDue reports whether a live (approved, active or suspended)
// agreement has passed its review date at now.
func (a *Agreement) ReviewDue(now time.Time) bool {
	switch a.StatusAt(now) {
	case Approved, Active, Suspended:
		return !a.Review.IsZero() && !now.Before(a.Review.DayAfter())
	}
	return false
}

// Started reports whether now is on or after the start date.
func (a *Agreement) Started(now time.Time) bool { return !now.Before(a.Start.Time) }

// CheckCatalog checks the agreement against the purpose register and the
// catalogue: the purpose exists (and is a safeguarding one if record-level
// output is permitted), every dataset and column exists, each dataset's
// owning partner is an owner party, and each owner party shares something.
func (a *Agreement) CheckCatalog(purposes Purposes, datasets map[string]*catalog.Dataset) error {
	p, err := purposes.Lookup(a.Purpose)
	if err != nil {
		return err
	}
	if slices.Contains(a.Outputs, RecordLevel) && !p.Safeguarding {
		return fault.Errorf(fault.Invalid, "agreement %q permits record-level output, but purpose %q is not a safeguarding purpose: permit only aggregate output", a.ID, a.Purpose)
	}
	sharing := map[string]bool{}
	for _, s := range a.Datasets {
		d, ok := datasets[s.Dataset]
		if !ok {
			return fault.Errorf(fault.Invalid, "agreement %q shares dataset %q, which does not exist (see `civiclink dataset list`)", a.ID, s.Dataset)
		}
		if party := a.Party(d.PartnerID); party == nil || !party.Owner {
			return fault.Errorf(fault.Invalid, "agreement %q shares dataset %q, owned by %q, but %q is not an owner party", a.ID, s.Dataset, d.PartnerID, d.PartnerID)
		}
		sharing[d.PartnerID] = true
		for _, c := range s.Columns {
			if !slices.ContainsFunc(d.Schema.Columns, func(sc catalog.Column) bool { return sc.Name == c }) {
				return fault.Errorf(fault.Invalid, "agreement %q shares column %q of dataset %q, which has no such column", a.ID, c, s.Dataset)
			}
		}
	}
	for _, p := range a.Parties {
		if p.Owner && !sharing[p.Partner] {
			return fault.Errorf(fault.Invalid, "agreement %q marks %q as an owner party, but it shares none of its datasets: list them or mark it recipient only", a.ID, p.Partner)
		}
	}
	return nil
}
