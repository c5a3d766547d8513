package community

import (
	"strings"
	"testing"
	"time"
)

// BenchmarkMatch matches queries over 10,000 synthetic services through
// the index's postings and runs (postings) against checking every service
// in turn (scan, the reference), in the same run:
//
//	go test -run X -bench Match ./internal/community
func BenchmarkMatch(b *testing.B) {
	p, err := LoadPlacer()
	if err != nil {
		b.Fatal(err)
	}
	ss := Synthesise(p, 10000, 1)
	vs := make([]Version, len(ss))
	for i := range ss {
		vs[i] = Version{Service: ss[i], Version: 1}
	}
	ix := NewIndex(vs)
	open := time.Date(2026, 5, 5, 10, 30, 0, 0, county)
	for _, c := range []struct {
		name string
		q    Query
	}{
		{"theme", Query{Theme: "food"}},
		{"theme+district+day", Query{Theme: "food", District: ix.all[0].Service.Locations[0].District, Day: "MO"}},
		{"text+open", Query{Text: "lunch club", OpenAt: open}},
	} {
		want := len(scan(ix, c.q))
		b.Logf("%s: %d of %d services", c.name, want, ix.Len())
		if got := len(ix.Match(c.q)); got != want {
			b.Fatalf("%s: %d matches through the postings, %d by scanning", c.name, got, want)
		}
		b.Run(c.name+"/postings", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ix.Match(c.q)
			}
		})
		b.Run(c.name+"/scan", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				scan(ix, c.q)
			}
		})
	}
}

// scan is matching as it was: every service's filters and text checked.
func scan(ix *Index, q Query) []int {
	m := matcher{q: &q, words: strings.Fields(strings.ToLower(q.Text))}
	if !q.OpenAt.IsZero() {
		m.day, m.hm = dayAndTime(q.OpenAt)
	}
	var out []int
	for i := range ix.all {
		if ix.matches(i, &m) {
			out = append(out, i)
		}
	}
	return out
}
