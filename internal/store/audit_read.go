package store

import (
	"context"
	"strings"

	"github.com/civiclink/civiclink/internal/audit"
)

// Reading the audit log by filter. The search columns narrow the scan in
// SQL; every entry found is then decoded from its signed bytes, checked
// against its leaf hash and matched again on what it says, so an edited
// column can hide an entry from a listing (verify finds that) but can
// never put words in one.

// maxBatch caps the rows one paged query asks for.
const maxBatch = 4096

// Entries returns the entries that pass f, decoded from their signed
// bytes: in index order, or newest first with f.Newest. With a Limit or
// Newest, the index range, order and limit go into SQL and the log is read
// a batch at a time from the cursor, so the newest page of a long log
// costs about what the page holds, not the log.
func (a *Audit) Entries(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if f.Newest || f.Limit > 0 {
		return a.entriesPaged(ctx, f)
	}
	where, args := entryWhere(f)
	var out []audit.Entry
	for l, err := range a.leaves(ctx, `SELECT `+leafColumns+` FROM audit_leaves WHERE `+where+` ORDER BY idx`, args...) {
		if err != nil {
			return nil, err
		}
		e, err := entryOf(l)
		if err != nil {
			return nil, err
		}
		if f.Match(e.Event) {
			out = append(out, e)
		}
	}
	return out, nil
}

// entriesPaged reads the entries that pass f in batches of rows ordered
// and limited in SQL, moving the index range past each batch, until f.Limit
// entries pass or the range is exhausted.
func (a *Audit) entriesPaged(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	batch := maxBatch
	if f.Limit > 0 {
		batch = min(f.Limit, maxBatch)
	}
	order := "idx"
	if f.Newest {
		order = "idx DESC"
	}
	var out []audit.Entry
	cur := f
	for {
		where, args := entryWhere(cur)
		q := `SELECT ` + leafColumns + ` FROM audit_leaves WHERE ` + where + ` ORDER BY ` + order + ` LIMIT ?`
		rows := 0
		var last uint64
		for l, err := range a.leaves(ctx, q, append(args, batch)...) {
			if err != nil {
				return nil, err
			}
			rows, last = rows+1, l.Index
			e, err := entryOf(l)
			if err != nil {
				return nil, err
			}
			if f.Match(e.Event) {
				out = append(out, e)
				if f.Limit > 0 && len(out) == f.Limit {
					return out, nil
				}
			}
		}
		if rows < batch {
			return out, nil
		}
		// Every row of the batch was read: carry on past the last one.
		if f.Newest {
			if last == 0 {
				return out, nil
			}
			cur.Before = last
		} else {
			cur.From = last + 1
		}
	}
}

// entryOf decodes a stored leaf (see [audit.DecodeLeaf]).
func entryOf(l audit.Leaf) (audit.Entry, error) { return audit.DecodeLeaf(l) }

// entryWhere turns a filter into a parameterised WHERE clause over the
// search columns. It selects every entry f matches, and may select more
// (a dataset is narrowed by name, whatever the version asked for): callers
// match each entry again on its bytes.
func entryWhere(f audit.Filter) (string, []any) {
	conds := []string{"true"}
	var args []any
	add := func(cond string, v any) {
		conds = append(conds, cond)
		args = append(args, v)
	}
	for _, c := range []struct {
		col, v string
	}{{"actor_user", f.User}, {"actor_partner", f.Partner}, {"action", f.Action}, {"outcome", f.Outcome}, {"agreement", f.Agreement}} {
		if c.v != "" {
			add(c.col+" = ?", c.v)
		}
	}
	if f.Owner != "" {
		add("list_contains(owners, ?)", f.Owner)
	}
	if f.Dataset != "" {
		name, _, _ := strings.Cut(f.Dataset, "@")
		add("list_contains(list_transform(datasets, lambda d: split_part(d, '@', 1)), ?)", name)
	}
	if f.WithData {
		conds = append(conds, "len(datasets) > 0")
	}
	if !f.Since.IsZero() {
		add("ts >= ?", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		add("ts < ?", f.Until.UTC())
	}
	if f.From > 0 {
		add("idx >= ?", f.From)
	}
	if f.Before > 0 {
		add("idx < ?", f.Before)
	}
	return strings.Join(conds, " AND "), args
}
