package redteam

import (
	"fmt"
	"slices"
	"strings"
)

// Target describes a dataset to attack: what it can be grouped and
// filtered by.
type Target struct {
	Dataset string
	// Place is the coarse place dimension ("district"); Small, when set,
	// the fine one ("lsoa"), with Parent giving a small area's place.
	Place, Small string
	Parent       func(small string) string
	// Category is a category column to cross with place.
	Category string
	// Dated says the dataset has an event date (month, quarter, year).
	Dated bool
	// Where is a filter F and Split a condition G: the attack compares F
	// with "F AND G" and "F AND NOT (G)".
	Where, Split string
	// Versions is the number of versions of an accumulating dataset that
	// adds months (the versions attack needs two or more; leave it 0 for
	// a dataset whose versions replace each other).
	Versions int
	// RecordID and AnID name the record-id column and one of its values.
	RecordID, AnID string
	// OtherPurpose is another purpose the attacker may ask under ("" for
	// none): the same table for another purpose.
	OtherPurpose string
}

// Attacks returns every attack of the threat model (docs/disclosure.md)
// that applies to t.
func Attacks(t Target) []Attack {
	q := func(by ...string) Query { return Query{Dataset: t.Dataset, By: by, Where: t.Where} }
	var out []Attack
	if t.Category != "" {
		out = append(out, Attack{Name: "margins and totals", Queries: []Query{q(t.Place, t.Category)},
			Links: func(tabs []*Table) []Link { return WithMargins(tabs, nil) }})
	}
	// period is the second dimension of most attacks: a quarter, or the
	// category for an undated dataset.
	period := t.Category
	if t.Dated {
		period = "quarter"
		out = append(out, TimeHierarchy(q(t.Place, "month"), q(t.Place, "quarter"), q(t.Place, "year"), true))
	}
	if t.Small != "" && t.Dated {
		out = append(out, Attack{Name: "place: LSOA ⊂ district", Queries: []Query{q(t.Place, "quarter"), q(t.Small, "quarter")},
			Links: func(tabs []*Table) []Link { return WithMargins(tabs, Nested(0, 1, tabs, 0, t.Parent)) }})
		if t.Category != "" {
			out = append(out, Attack{Name: "time × LSOA × category", Queries: []Query{q("quarter", t.Small, t.Category), q("month", t.Small, t.Category)},
				Links: func(tabs []*Table) []Link { return WithMargins(tabs, Nested(0, 1, tabs, 0, Quarter)) }})
		}
	}
	if t.Split != "" {
		and := func(c string) string {
			if t.Where == "" {
				return c
			}
			return "(" + t.Where + ") AND " + c
		}
		yes, no := q(t.Place, period), q(t.Place, period)
		yes.Where, no.Where = and("("+t.Split+")"), and("NOT ("+t.Split+")")
		out = append(out, Attack{Name: "overlapping filters", Queries: []Query{q(t.Place, period), yes, no},
			Links: func(tabs []*Table) []Link { return WithMargins(tabs, Split(0, 1, 2, tabs)) }})
	}
	if t.Versions >= 2 && t.Dated {
		prev, last := q(t.Place, "month"), q(t.Place, "month")
		prev.Version, last.Version = t.Versions-1, t.Versions
		out = append(out, Attack{Name: "dataset versions N and N+1", Queries: []Query{prev, last},
			Links: func(tabs []*Table) []Link {
				notTotal := func(k string) bool { return !strings.HasSuffix(k, "|"+TotalLevel) }
				return WithMargins(tabs, Same(0, 1, tabs, notTotal))
			}})
	}
	base := q(t.Place, period)
	raised, rounded := base, base
	raised.Threshold, rounded.RoundTo = 15, 5
	out = append(out, Attack{Name: "thresholds and rounding", Queries: []Query{base, raised, rounded},
		Links: func(tabs []*Table) []Link {
			return WithMargins(tabs, append(Same(0, 1, tabs, nil), Same(0, 2, tabs, nil)...))
		}})
	out = append(out, Attack{Name: "repeated queries", Queries: []Query{base, base, base},
		Links: func(tabs []*Table) []Link {
			return WithMargins(tabs, append(Same(0, 1, tabs, nil), Same(0, 2, tabs, nil)...))
		}})
	if t.OtherPurpose != "" {
		other := base
		other.Purpose = t.OtherPurpose
		out = append(out, Attack{Name: "purposes", Queries: []Query{base, other},
			Links: func(tabs []*Table) []Link { return WithMargins(tabs, Same(0, 1, tabs, nil)) }})
	}
	if t.RecordID != "" {
		one := q(t.Place)
		one.Where = fmt.Sprintf("%s = '%s'", t.RecordID, strings.ReplaceAll(t.AnID, "'", "''"))
		out = append(out, Attack{Name: "singling out by record id", Queries: []Query{one},
			Links: func(tabs []*Table) []Link { return WithMargins(tabs, nil) }})
	}
	return out
}

// CrossPath is the attack on one table asked for through several output
// paths (q through each path named, in order): the same records publish
// the same figure on every path, or the attacker has independent draws
// of the perturbation to average. Totals are left out of the links (a
// path's county total may count records placed in no district).
func CrossPath(q Query, paths ...string) Attack {
	var qs []Query
	for _, p := range paths {
		x := q
		x.Path = p
		qs = append(qs, x)
	}
	return Attack{Name: "every output path (" + strings.Join(paths, ", ") + ")", Queries: qs, Consistent: true,
		Links: func(tabs []*Table) []Link {
			notTotal := func(k string) bool { return !strings.Contains("|"+k+"|", "|"+TotalLevel+"|") }
			var l []Link
			for i := 1; i < len(tabs); i++ {
				l = append(l, Same(0, i, tabs, notTotal)...)
			}
			return l
		}}
}

// Names returns the attacks' names, for reports.
func Names(as []Attack) []string {
	var out []string
	for _, a := range as {
		if !slices.Contains(out, a.Name) {
			out = append(out, a.Name)
		}
	}
	return out
}

// TimeHierarchy is the attack on one table by month, quarter and year
// (the queries in that order, each grouped by something and then the
// period): a quarter less its published months gives the withheld one.
// With margins, each table's totals link its cells too; leave them out
// for tables whose totals count more than their cells show (a trend's
// county counts records placed in no district).
func TimeHierarchy(month, quarter, year Query, margins bool) Attack {
	return Attack{Name: "time: month ⊂ quarter ⊂ year", Queries: []Query{month, quarter, year},
		Links: func(tabs []*Table) []Link {
			l := Nested(1, 0, tabs, 1, Quarter)
			l = append(l, Nested(2, 1, tabs, 1, Year)...)
			if !margins {
				return l
			}
			return WithMargins(tabs, l)
		}}
}

// CohortAttacks are the attacks on a cohort's tables (one and two name
// the same people's cohort under two definitions, as query datasets):
// its months within quarters within years, and the two definitions
// against each other, which count the same people and so must publish
// the same figures (a linked person's key is the same in any cohort).
func CohortAttacks(one, two string) []Attack {
	q := func(d string, by ...string) Query { return Query{Dataset: d, By: by} }
	th := TimeHierarchy(q(one, "district", "month"), q(one, "district", "quarter"), q(one, "district", "year"), true)
	th.Name = "cohort: " + th.Name
	return []Attack{th, {Name: "cohorts: the same people, two definitions", Consistent: true,
		Queries: []Query{q(one, "district", "quarter"), q(two, "district", "quarter")},
		Links:   func(tabs []*Table) []Link { return WithMargins(tabs, Same(0, 1, tabs, nil)) }}}
}
