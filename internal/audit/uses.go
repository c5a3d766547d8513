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

// UsesQuery asks for one page of the uses of one owner's data ("" for
// every owner's), newest first.
type UsesQuery struct {
	Owner   string
	Dataset string
	// Since and Until bound the entries' times; Until is excluded. Zero:
	// no bound.
	Since, Until time.Time
	// Page is where the page starts; Size how many entries it reads.
	Page Page
	Size int
}

// UsesPage is one page of uses, newest first, and the cursors of the pages
// around it.
type UsesPage struct {
	// Filter is the query as the log was asked it (for the read's own
	// audit entry).
	Filter Filter
	Uses   []Use
	// Next is the cursor of the page of older uses (Page{Before: Next});
	// 0 when there are none.
	Next uint64
	// Prev is the cursor of the page of newer uses (Page{After: Prev});
	// nil when this page holds the newest.
	Prev *uint64
}

// Uses answers "who used my data": the page of uses q asks for, read from
// about a page of the log however long it has grown. Whether the asker may
// see them is the caller's decision (govern.CanSeeUses), made first.
func Uses(ctx context.Context, log EntryReader, q UsesQuery) (*UsesPage, error) {
	f := Filter{Owner: q.Owner, Dataset: q.Dataset, WithData: true, Since: q.Since, Until: q.Until}
	es, older, newer, err := ReadPage(ctx, log, f, q.Page, q.Size)
	if err != nil {
		return nil, err
	}
	out := &UsesPage{Filter: f, Uses: []Use{}}
	for _, e := range es {
		if use, ok := UseOf(e, q.Owner); ok {
			out.Uses = append(out.Uses, use)
		}
	}
	c := q.Page
	if older {
		switch {
		case len(es) > 0:
			out.Next = es[len(es)-1].Index
		case c.After != nil:
			out.Next = *c.After + 1
		default:
			out.Next = c.Before
		}
	}
	if newer {
		var prev uint64
		switch {
		case len(es) > 0:
			prev = es[0].Index
		case c.After != nil:
			prev = *c.After
		default:
			prev = c.Before - 1
		}
		out.Prev = &prev
	}
	return out, nil
}
