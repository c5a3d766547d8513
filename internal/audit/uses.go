package audit

import (
	"context"
	"encoding/json"
	"slices"
	"time"
)

// Use is one use of a partner's data as the log records it: who, on
// behalf of which partner, for what purpose, what operation, when, which of
// the partner's datasets, and the rows or cells where the entry counts
// them. It answers "who used my data".
type Use struct {
	Index     uint64    `json:"index"`
	Time      time.Time `json:"time"`
	User      string    `json:"user"`
	Partner   string    `json:"partner,omitempty"`
	Purpose   string    `json:"purpose,omitempty"`
	Action    string    `json:"action"`
	Operation string    `json:"operation,omitempty"`
	Datasets  []string  `json:"datasets"`
	Agreement string    `json:"agreement,omitempty"`
	Outcome   string    `json:"outcome"`
	Reason    string    `json:"reason,omitempty"`
	Rows      *int64    `json:"rows,omitempty"`
	Cells     *int64    `json:"cells,omitempty"`
}

// UseOf is entry e as a use of owner's data ("" for any owner's); ok is
// false when the entry touched none of it.
func UseOf(e Entry, owner string) (use Use, ok bool) {
	v := e.Event
	use = Use{Index: e.Index, Time: v.Time, User: v.User, Partner: v.Partner, Purpose: v.Purpose, Action: v.Action,
		Operation: v.Target, Agreement: v.Agreement, Outcome: v.Outcome, Reason: v.Reason, Datasets: []string{}}
	for _, d := range v.Datasets {
		if owner == "" || d.Owner == owner {
			use.Datasets = append(use.Datasets, d.ID)
		}
	}
	if len(use.Datasets) == 0 {
		return use, false
	}
	var counts struct {
		Rows  *int64 `json:"rows"`
		Cells *int64 `json:"cells"`
	}
	if len(v.Details) > 0 && json.Unmarshal(v.Details, &counts) == nil {
		use.Rows, use.Cells = counts.Rows, counts.Cells
	}
	return use, true
}

// EntryReader reads entries by filter (the store's audit log).
type EntryReader interface {
	Entries(ctx context.Context, f Filter) ([]Entry, error)
}

// Page is where a page of entries starts: below Before (newest first; 0
// for the newest page) or, when After is set, above *After.
type Page struct {
	Before uint64  `json:"before,omitzero"`
	After  *uint64 `json:"after,omitempty"`
}

// ReadPage reads, newest first, the page of at most size entries that f
// selects from p, and whether older and newer ones exist: one query for the
// page and its one-further entry, and one for a single entry on the other
// side of the cursor, so a page costs about its size however long the log.
func ReadPage(ctx context.Context, log EntryReader, f Filter, p Page, size int) (es []Entry, older, newer bool, err error) {
	exists := func(f Filter) (bool, error) {
		f.Limit = 1
		es, err := log.Entries(ctx, f)
		return len(es) > 0, err
	}
	page, other := f, f
	page.Limit = size + 1
	if p.After != nil {
		page.From = *p.After + 1 // oldest first from the cursor, then turned
		if es, err = log.Entries(ctx, page); err != nil {
			return nil, false, false, err
		}
		newer = len(es) > size
		es = es[:min(len(es), size)]
		slices.Reverse(es)
		other.Newest, other.Before = true, page.From
		older, err = exists(other)
		return es, older, newer, err
	}
	page.Newest, page.Before = true, p.Before
	if es, err = log.Entries(ctx, page); err != nil {
		return nil, false, false, err
	}
	older = len(es) > size
	es = es[:min(len(es), size)]
	if p.Before > 0 {
		other.From = p.Before
		newer, err = exists(other)
	}
	return es, older, newer, err
}
