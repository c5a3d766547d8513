package store

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/fault"
)

// newestPages reads the entries f selects newest first, limit at a time,
// each page after the first starting below the oldest index of the one
// before, as the web page's "Older" link does. It returns the pages.
func newestPages(tb testing.TB, a *Audit, f audit.Filter, limit int) [][]audit.Entry {
	tb.Helper()
	f.Newest, f.Limit = true, limit
	var pages [][]audit.Entry
	for {
		es, err := a.Entries(context.Background(), f)
		if err != nil {
			tb.Fatalf("page %d of %+v: %v", len(pages)+1, f, err)
		}
		if len(es) == 0 {
			return pages
		}
		pages = append(pages, es)
		if len(pages) > 1000 {
			tb.Fatal("paging does not end")
		}
		f.Before = es[len(es)-1].Index
		if f.Before == 0 {
			return pages
		}
	}
}

// indexes returns the indexes of es.
func indexes(es []audit.Entry) []uint64 {
	var out []uint64
	for _, e := range es {
		out = append(out, e.Index)
	}
	return out
}

// wantNewest returns, newest first, the indexes of the written entries f
// matches, worked out from the events themselves rather than the store.
func wantNewest(written []audit.Entry, f audit.Filter) []uint64 {
	var out []uint64
	for _, e := range slices.Backward(written) {
		if f.Match(e.Event) {
			out = append(out, e.Index)
		}
	}
	return out
}

func TestAuditEntriesNewestPages(t *testing.T) {
	const n, limit = 300, 50
	s, a := openAudit(t, "", newKey(t))
	defer s.Close()
	written := fillLog(t, a, n)
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		f    audit.Filter
		want int // how many entries the filter selects
	}{
		{"everything", audit.Filter{}, n},
		{"one partner's data", audit.Filter{Owner: "police"}, n / 3},
		{"uses of data", audit.Filter{WithData: true}, n},
		{"dataset without version", audit.Filter{Dataset: "incidents"}, n},
		{"dataset with version", audit.Filter{Dataset: "incidents@120"}, 1},
		{"action and outcome", audit.Filter{Action: "query", Outcome: audit.Denied}, n / 12},
		{"time window", audit.Filter{Since: start.Add(40 * time.Second), Until: start.Add(170 * time.Second)}, 130},
		{"below a cursor", audit.Filter{Owner: "council", Before: 200}, 67},
		{"index range", audit.Filter{From: 100, Before: 200}, 100},
		{"no match", audit.Filter{Agreement: "dsa-9"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := wantNewest(written, c.f)
			if c.f.From > 0 || c.f.Before > 0 {
				want = slices.DeleteFunc(want, func(i uint64) bool {
					return i < c.f.From || (c.f.Before > 0 && i >= c.f.Before)
				})
			}
			if len(want) != c.want {
				t.Fatalf("the events hold %d matches, want %d: the case is wrong", len(want), c.want)
			}
			var got []uint64
			for i, p := range newestPages(t, a, c.f, limit) {
				if len(p) > limit || (len(p) < limit && len(got)+len(p) < len(want)) {
					t.Errorf("page %d holds %d entries, want %d", i+1, len(p), limit)
				}
				for _, e := range p {
					if !c.f.Match(e.Event) {
						t.Errorf("entry %d does not pass the filter: %+v", e.Index, e.Event)
					}
				}
				got = append(got, indexes(p)...)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("pages hold %v,\nwant %v (newest first, each once)", got, want)
			}
		})
	}

	t.Run("oldest first with a limit pages as before", func(t *testing.T) {
		f := audit.Filter{Owner: "nhs-trust", Limit: limit}
		var got []uint64
		for {
			es, err := a.Entries(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			if len(es) == 0 {
				break
			}
			got = append(got, indexes(es)...)
			f.From = es[len(es)-1].Index + 1
		}
		want := wantNewest(written, audit.Filter{Owner: "nhs-trust"})
		slices.Reverse(want)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

// TestAuditEntriesNewestChecksBytes tampers with a file store and reads
// newest first: a damaged entry is refused when a page reaches it (and
// not before), and a search column edited to select an entry its bytes do
// not match does not cost the page an entry.
func TestAuditEntriesNewestChecksBytes(t *testing.T) {
	const n, limit = 300, 50
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.duckdb")
	key := newKey(t)
	s, a := openAudit(t, path, key)
	written := fillLog(t, a, n)
	s.Close()
	tamper(t, path,
		// changed bytes (analyst1 acts at every index i%3 == 1)
		`UPDATE audit_leaves SET entry = encode(replace(decode(entry), 'analyst1', 'analyst2')) WHERE idx = 100`,
		// columns claiming police data for the three newest non-police entries
		`UPDATE audit_leaves SET owners = ['police'] WHERE idx IN (299, 298, 296)`)
	s, a = openAudit(t, path, key)
	defer s.Close()

	police := audit.Filter{Owner: "police", Newest: true, Limit: limit}
	es, err := a.Entries(ctx, police)
	if err != nil {
		t.Fatalf("the newest page of police entries: %v", err)
	}
	if got, want := indexes(es), wantNewest(written, police)[:limit]; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("newest police page = %v, want %v", got, want)
	}

	cases := []struct {
		name    string
		f       audit.Filter
		damaged bool
	}{
		{"newest page, above the damage", audit.Filter{Newest: true, Limit: limit}, false},
		{"page reaching the damage", audit.Filter{Newest: true, Limit: limit, Before: 120}, true},
		{"page below the damage", audit.Filter{Newest: true, Limit: limit, Before: 100}, false},
		{"oldest first through the damage", audit.Filter{From: 90, Limit: limit}, true},
		{"the whole log", audit.Filter{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := a.Entries(ctx, c.f)
			if !c.damaged {
				if err != nil {
					t.Fatalf("entries: %v", err)
				}
				return
			}
			if fault.Code(err) != fault.Conflict || !strings.Contains(fault.Message(err), "entry 100 is damaged") {
				t.Fatalf("entries = %v, want entry 100 reported damaged", err)
			}
		})
	}
}
