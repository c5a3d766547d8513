package store

import (
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"runtime"
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

// bulkLeaves stores n valid leaves (sample events a second apart, encoded,
// hashed and with their search columns) straight into audit_leaves, a
// chunk per statement: a log to read, far faster to build than n signed
// appends. It writes no heads, so it is for reading, not verifying.
func bulkLeaves(tb testing.TB, s *Store, n int) {
	tb.Helper()
	const chunk = 5000
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	q := `INSERT INTO audit_leaves SELECT unnest(?::BIGINT[]), from_base64(unnest(?::VARCHAR[])),
		from_base64(unnest(?::VARCHAR[])), unnest(?::TIMESTAMP[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),
		unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[][]), unnest(?::VARCHAR[][])`
	for from := 0; from < n; from += chunk {
		var idx []int64
		var entry, hash, user, partner, action, outcome, agreement []string
		var ts []time.Time
		var datasets, owners [][]string
		for i := from; i < min(from+chunk, n); i++ {
			e := sampleEvent(i)
			e.Time = start.Add(time.Duration(i) * time.Second)
			b, err := audit.Encode(uint64(i), e)
			if err != nil {
				tb.Fatal(err)
			}
			c := audit.ColumnsOf(e)
			idx, ts = append(idx, int64(i)), append(ts, c.Time)
			entry, hash = append(entry, base64.StdEncoding.EncodeToString(b)), append(hash, base64.StdEncoding.EncodeToString(audit.LeafHash(b)))
			user, partner, action = append(user, c.User), append(partner, c.Partner), append(action, c.Action)
			outcome, agreement = append(outcome, c.Outcome), append(agreement, c.Agreement)
			datasets, owners = append(datasets, nonNil(c.Datasets)), append(owners, nonNil(c.Owners))
		}
		if _, err := s.db.Exec(q, idx, entry, hash, ts, user, partner, action, outcome, agreement, datasets, owners); err != nil {
			tb.Fatalf("bulk leaves from %d: %v", from, err)
		}
	}
}

// BenchmarkAuditEntriesNewest measures reading one page of the newest 50
// entries a filter selects from a log of 100,000 (newest first, the
// order, cursor and LIMIT in SQL) against the full-scan path the "who used
// my data" page took before (every matching entry read, checked and
// decoded oldest first, then the newest 50 kept), interleaved in the same
// loop so both see the same machine load. It reports ms per page for both
// and x-full-scan, the full scan's time as a multiple of the page's.
func BenchmarkAuditEntriesNewest(b *testing.B) {
	const n, page = 100_000, 50
	s, a := openAudit(b, "", nil)
	defer s.Close()
	bulkLeaves(b, s, n)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		f    audit.Filter
	}{
		{"owner", audit.Filter{Owner: "police"}},
		{"all-uses", audit.Filter{WithData: true}},
		{"owner-deep", audit.Filter{Owner: "police", Before: n / 2}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var tPage, tScan time.Duration
			rounds := 0
			for b.Loop() {
				runtime.GC() // neither path pays for the other's garbage
				t0 := time.Now()
				f := c.f
				f.Newest, f.Limit = true, page
				got, err := a.Entries(ctx, f)
				tPage += time.Since(t0)
				if err != nil || len(got) != page {
					b.Fatalf("newest page: %d entries, %v", len(got), err)
				}
				runtime.GC()
				t1 := time.Now()
				scan := c.f
				scan.Before = 0 // the old path had no cursor: it read everything
				all, err := a.Entries(ctx, scan)
				if err != nil {
					b.Fatal(err)
				}
				if c.f.Before > 0 {
					all = slices.DeleteFunc(all, func(e audit.Entry) bool { return e.Index >= c.f.Before })
				}
				old := slices.Clone(all[len(all)-page:])
				slices.Reverse(old)
				tScan += time.Since(t1)
				if fmt.Sprint(indexes(old)) != fmt.Sprint(indexes(got)) {
					b.Fatalf("the paths disagree: %v and %v", indexes(got), indexes(old))
				}
				rounds++
			}
			b.ReportMetric(float64(tPage.Microseconds())/1000/float64(rounds), "page-ms")
			b.ReportMetric(float64(tScan.Microseconds())/1000/float64(rounds), "full-scan-ms")
			b.ReportMetric(tScan.Seconds()/tPage.Seconds(), "x-full-scan")
		})
	}
}

// BenchmarkAuditEntriesNewestGrowth measures the newest page of 50 one
// partner's uses on a log of 100,000 entries and on one of 400,000,
// interleaved in the same loop. It reports ms per page for both and
// x-small, the large log's time as a multiple of the small's: near 1 when
// a page's cost does not grow with the log.
func BenchmarkAuditEntriesNewestGrowth(b *testing.B) {
	const small, large, page = 100_000, 400_000, 50
	ctx := context.Background()
	var logs []*Audit
	for _, n := range []int{small, large} {
		s, a := openAudit(b, "", nil)
		defer s.Close()
		bulkLeaves(b, s, n)
		logs = append(logs, a)
	}
	f := audit.Filter{Owner: "police", WithData: true, Newest: true, Limit: page}
	var took [2]time.Duration
	rounds := 0
	for b.Loop() {
		for i, a := range logs {
			t0 := time.Now()
			es, err := a.Entries(ctx, f)
			took[i] += time.Since(t0)
			if err != nil || len(es) != page {
				b.Fatalf("newest page: %d entries, %v", len(es), err)
			}
		}
		rounds++
	}
	b.ReportMetric(float64(took[0].Microseconds())/1000/float64(rounds), "page-ms-100k")
	b.ReportMetric(float64(took[1].Microseconds())/1000/float64(rounds), "page-ms-400k")
	b.ReportMetric(took[1].Seconds()/took[0].Seconds(), "x-small")
}
