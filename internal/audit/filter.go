package audit

import (
	"context"
	"slices"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// Log is where the rooms record what they do. Append stamps the event with
// the log's clock, gives it the next index, and returns the entry once it is
// stored under a new signed tree head.
type Log interface {
	Append(ctx context.Context, e Event) (Entry, error)
}

// Columns are the fields a backend keeps beside an entry's bytes so it can
// find entries without parsing every one. [Verify] checks they agree with
// the bytes, so an edited column cannot hide a use of someone's data.
type Columns struct {
	Time      time.Time
	User      string
	Partner   string
	Action    string
	Outcome   string
	Agreement string
	Datasets  []string // dataset ids, in the event's order
	Owners    []string // distinct owning partners, in order of appearance
}

// ColumnsOf returns the search columns of e.
func ColumnsOf(e Event) Columns {
	c := Columns{
		Time: e.Time.UTC().Truncate(time.Microsecond), User: e.User, Partner: e.Partner,
		Action: e.Action, Outcome: e.Outcome, Agreement: e.Agreement, Owners: e.Owners(),
	}
	for _, d := range e.Datasets {
		c.Datasets = append(c.Datasets, d.ID)
	}
	return c
}

// Equal reports whether c and o hold the same values.
func (c Columns) Equal(o Columns) bool {
	return c.Time.Equal(o.Time) && c.User == o.User && c.Partner == o.Partner &&
		c.Action == o.Action && c.Outcome == o.Outcome && c.Agreement == o.Agreement &&
		slices.Equal(c.Datasets, o.Datasets) && slices.Equal(c.Owners, o.Owners)
}

// Filter selects entries for a listing; zero fields match everything.
type Filter struct {
	User      string    `json:"user,omitzero"`
	Partner   string    `json:"partner,omitzero"` // the acting partner
	Owner     string    `json:"owner,omitzero"`   // a partner whose data was touched
	Dataset   string    `json:"dataset,omitzero"` // a dataset id, with or without "@version"
	Action    string    `json:"action,omitzero"`
	Outcome   string    `json:"outcome,omitzero"`
	Agreement string    `json:"agreement,omitzero"`
	Since     time.Time `json:"since,omitzero"` // inclusive
	Until     time.Time `json:"until,omitzero"` // exclusive
	// WithData keeps only entries that name at least one dataset: uses of
	// someone's data, not sign-ins or reads of the log itself.
	WithData bool `json:"with_data,omitzero"`
	// From is the first index to consider (for paging oldest first).
	From uint64 `json:"from,omitzero"`
	// Before, when not 0, keeps only entries with an index below it (for
	// paging newest first: the oldest index of the page just shown). A
	// range with From at or above Before selects nothing.
	Before uint64 `json:"before,omitzero"`
	// Newest lists the entries newest first (by descending index); with
	// Limit, the newest Limit entries that pass.
	Newest bool `json:"newest,omitzero"`
	// Limit caps the number of entries; 0 for no cap.
	Limit int `json:"limit,omitzero"`
}

// Validate checks the filter's values.
func (f Filter) Validate() error {
	if f.Outcome != "" && f.Outcome != Allowed && f.Outcome != Denied && f.Outcome != Error {
		return fault.Errorf(fault.Invalid, "outcome %q must be %q, %q or %q", f.Outcome, Allowed, Denied, Error)
	}
	if f.Limit < 0 {
		return fault.Errorf(fault.Invalid, "limit must not be negative")
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return fault.Errorf(fault.Invalid, "the time window is empty: since must be before until")
	}
	return nil
}

// Match reports whether e passes the filter (all but the index range and
// order: From, Before, Newest and Limit).
func (f Filter) Match(e Event) bool {
	c := ColumnsOf(e)
	return (!f.WithData || len(c.Datasets) > 0) &&
		(f.User == "" || c.User == f.User) &&
		(f.Partner == "" || c.Partner == f.Partner) &&
		(f.Owner == "" || slices.Contains(c.Owners, f.Owner)) &&
		(f.Dataset == "" || slices.ContainsFunc(c.Datasets, func(d string) bool { return DatasetMatches(d, f.Dataset) })) &&
		(f.Action == "" || c.Action == f.Action) &&
		(f.Outcome == "" || c.Outcome == f.Outcome) &&
		(f.Agreement == "" || c.Agreement == f.Agreement) &&
		(f.Since.IsZero() || !c.Time.Before(f.Since)) &&
		(f.Until.IsZero() || c.Time.Before(f.Until))
}

// DatasetMatches reports whether the dataset reference id (e.g.
// "incidents@3") is the wanted one: equal, or the same dataset when want
// names no version.
func DatasetMatches(id, want string) bool {
	if id == want {
		return true
	}
	return len(id) > len(want) && id[:len(want)] == want && id[len(want)] == '@'
}
