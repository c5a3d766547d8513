// Package audit keeps civiclink's tamper-evident record of every action: an
// append-only Merkle log (RFC 6962) whose tree heads are signed with an
// ed25519 key kept outside the store.
//
// Every login, ingest, linkage run, query, export, agreement change and
// refusal is an [Event]; appending it makes an [Entry] with a fixed index and
// canonical bytes, the leaf of the tree. [Verify] replays the stored leaves
// and proves that none was changed, deleted, inserted or reordered since it
// was signed, and that the log is consistent with any [Head] a partner kept.
//
// The package holds no SQL: a backend implements [Log] for appending and
// [Source] for verification.
package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// Outcomes of an audited action.
const (
	Allowed = "allowed" // the action was permitted and done
	Denied  = "denied"  // governance or authentication refused it
	Error   = "error"   // it was permitted but failed
)

// Actions the rooms record. Others may be used: an action is a lower-case
// dotted name such as "agreement.approve".
const (
	ActionLogin   = "login"
	ActionIngest  = "ingest"
	ActionLink    = "link"
	ActionQuery   = "query"
	ActionExport  = "export"
	ActionRefusal = "refusal"
)

// Dataset is one dataset an action touched and the partner that owns it, so
// an owner can find every use of their data.
type Dataset struct {
	// ID names the dataset, with its version where one was read, e.g.
	// "incidents@3".
	ID string `json:"id"`
	// Owner is the partner id that owns the dataset.
	Owner string `json:"owner"`
}

// Event is what happened: who, on behalf of which partner, did what, why, to
// what, under which agreement, and with what outcome. The log stamps Time
// from its clock when the event is appended.
type Event struct {
	Time      time.Time       `json:"time"`
	User      string          `json:"user"`
	Partner   string          `json:"partner,omitempty"`
	Action    string          `json:"action"`
	Purpose   string          `json:"purpose,omitempty"`
	Target    string          `json:"target,omitempty"`
	Datasets  []Dataset       `json:"datasets,omitempty"`
	Agreement string          `json:"agreement,omitempty"`
	Outcome   string          `json:"outcome"`
	Reason    string          `json:"reason,omitempty"`
	Details   json.RawMessage `json:"details,omitempty"`
}

// Entry is an appended event: its position in the log, its canonical bytes
// (the Merkle leaf) and the leaf hash.
type Entry struct {
	Index    uint64
	Event    Event
	Bytes    []byte
	LeafHash []byte
}

var actionRE = regexp.MustCompile(`^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$`)

// Validate reports what is missing or malformed in e before it is appended.
func (e *Event) Validate() error {
	switch {
	case e.User == "":
		return fault.Errorf(fault.Invalid, "audit event has no user: every action must name who did it")
	case !actionRE.MatchString(e.Action):
		return fault.Errorf(fault.Invalid, "audit action %q is not a lower-case dotted name such as \"agreement.approve\"", e.Action)
	case e.Outcome != Allowed && e.Outcome != Denied && e.Outcome != Error:
		return fault.Errorf(fault.Invalid, "audit outcome %q must be %q, %q or %q", e.Outcome, Allowed, Denied, Error)
	}
	for i, d := range e.Datasets {
		if d.ID == "" || d.Owner == "" {
			return fault.Errorf(fault.Invalid, "audit dataset %d needs both an id and its owning partner", i+1)
		}
	}
	if len(e.Details) > 0 && (!json.Valid(e.Details) || bytes.TrimSpace(e.Details)[0] != '{') {
		return fault.Errorf(fault.Invalid, "audit details must be a JSON object")
	}
	return nil
}

// Owners returns the distinct partners whose datasets e touched, in order of
// first appearance.
func (e *Event) Owners() []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range e.Datasets {
		if !seen[d.Owner] {
			seen[d.Owner] = true
			out = append(out, d.Owner)
		}
	}
	return out
}

// record is the canonical serialised form of an entry: a format version, the
// index (so a moved entry is detected on its own) and the event. Field order
// is fixed by the struct, so encoding/json gives one byte string per entry.
type record struct {
	V     int    `json:"v"`
	Index uint64 `json:"index"`
	Event
}

const formatVersion = 1

// Encode returns the canonical bytes of the event at index: UTC time to the
// microsecond, compact JSON details. Decode(Encode(i, e)) gives back e.
func Encode(index uint64, e Event) ([]byte, error) {
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	if len(e.Details) > 0 {
		var buf bytes.Buffer
		if err := json.Compact(&buf, e.Details); err != nil {
			return nil, fault.Errorf(fault.Invalid, "audit details are not valid JSON")
		}
		e.Details = buf.Bytes()
	}
	return json.Marshal(record{V: formatVersion, Index: index, Event: e})
}

// Decode parses canonical entry bytes and checks that they are exactly what
// [Encode] makes of their content, so no edit, however harmless-looking,
// passes unnoticed.
func Decode(b []byte) (uint64, Event, error) {
	var r record
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return 0, Event{}, fmt.Errorf("not a valid audit entry: %w", err)
	}
	if r.V != formatVersion {
		return 0, Event{}, fmt.Errorf("audit entry format version %d is not %d", r.V, formatVersion)
	}
	again, err := Encode(r.Index, r.Event)
	if err != nil {
		return 0, Event{}, err
	}
	if !bytes.Equal(again, b) {
		return 0, Event{}, fmt.Errorf("audit entry is not in canonical form")
	}
	return r.Index, r.Event, nil
}

// NewEntry makes the entry for e at index: canonical bytes and leaf hash.
func NewEntry(index uint64, e Event) (Entry, error) {
	b, err := Encode(index, e)
	if err != nil {
		return Entry{}, err
	}
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	if len(e.Details) > 0 {
		_, e, _ = Decode(b) // compact details as stored
	}
	return Entry{Index: index, Event: e, Bytes: b, LeafHash: LeafHash(b)}, nil
}
