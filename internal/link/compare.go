package link

import (
	"fmt"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/link/strsim"
)

// MaxComparisons is the most comparisons a model may hold: a comparison
// vector packs 4 bits per comparison into a uint64.
const MaxComparisons = 16

// maxLevels is the most levels a comparison may have, its null level
// included.
const maxLevels = 16

// Level describes one outcome of a comparison. Level 0 of every
// comparison is the null level (a value missing on either side), which
// adds nothing to the weight.
type Level struct {
	Label string `json:"label"`
	// Exact marks the level of exact agreement, where term-frequency
	// adjustment applies.
	Exact bool `json:"exact,omitempty"`
}

// Comparer puts a pair of records into one of a comparison's levels.
// Records are numbered across the run's datasets in order. Compare must
// be safe to call from several goroutines.
type Comparer interface {
	// Levels lists the levels, the null level first, then best to worst.
	Levels() []Level
	// Compare returns the level index of records a and b.
	Compare(a, b int) int
}

// ComparerFunc builds the comparer for one comparison from its spec and
// the dictionary-coded column of its values. New kinds of comparison (for
// example on encoded identifiers) plug in as one more ComparerFunc.
type ComparerFunc func(spec ComparisonSpec, col *Column) (Comparer, error)

// comparers maps a kind name to its builder.
var comparers = map[string]ComparerFunc{
	"exact":        newExact,
	"jaro_winkler": newSimilarity,
	"levenshtein":  newDistance,
	"damerau":      newDistance,
	"date":         newDate,
	"postcode":     newPostcode,
	"dice":         newDice,
}

// coded is the common part of comparers over a column: null and exact
// agreement come from codes alone.
type coded struct {
	col    *Column
	levels []Level
}

func (c *coded) Levels() []Level { return c.levels }

// pre returns the level decided by codes alone (0 null, 1 exact) and
// whether it is decided.
func (c *coded) pre(a, b int) (ca, cb int32, level int, done bool) {
	ca, cb = c.col.Codes[a], c.col.Codes[b]
	switch {
	case ca == 0 || cb == 0:
		return ca, cb, 0, true
	case ca == cb:
		return ca, cb, 1, true
	}
	return ca, cb, 0, false
}

func baseLevels(extra ...string) []Level {
	ls := []Level{{Label: "null"}, {Label: "exact", Exact: true}}
	for _, e := range extra {
		ls = append(ls, Level{Label: e})
	}
	return append(ls, Level{Label: "else"})
}

type exact struct{ coded }

func newExact(_ ComparisonSpec, col *Column) (Comparer, error) {
	return &exact{coded{col, baseLevels()}}, nil
}

func (e *exact) Compare(a, b int) int {
	if _, _, l, done := e.pre(a, b); done {
		return l
	}
	return 2
}

// similarity levels a pair by Jaro–Winkler similarity at or above each
// threshold.
type similarity struct {
	coded
	thresholds []float64
}

func newSimilarity(spec ComparisonSpec, col *Column) (Comparer, error) {
	th := spec.Thresholds
	if len(th) == 0 {
		th = []float64{0.92, 0.8}
	}
	var labels []string
	for i, t := range th {
		if t > 1 || (i > 0 && t >= th[i-1]) {
			return nil, fault.Errorf(fault.Invalid, "comparison %s: similarity thresholds must be at most 1 and decreasing, got %v", spec.Label(), th)
		}
		labels = append(labels, fmt.Sprintf("jw>=%g", t))
	}
	return &similarity{coded{col, baseLevels(labels...)}, th}, nil
}

func (s *similarity) Compare(a, b int) int {
	ca, cb, l, done := s.pre(a, b)
	if done {
		return l
	}
	sim := strsim.JaroWinkler(s.col.Values[ca], s.col.Values[cb])
	for i, t := range s.thresholds {
		if sim >= t {
			return 2 + i
		}
	}
	return 2 + len(s.thresholds)
}

// distance levels a pair by edit distance at or below each threshold.
type distance struct {
	coded
	thresholds []int
	dist       func(a, b string, limit int) int
}

func newDistance(spec ComparisonSpec, col *Column) (Comparer, error) {
	th := spec.Thresholds
	if len(th) == 0 {
		th = []float64{1, 2}
	}
	d := &distance{dist: strsim.LevenshteinWithin}
	name := "lev"
	if spec.Kind == "damerau" {
		d.dist, name = strsim.DamerauWithin, "dam"
	}
	var labels []string
	for i, t := range th {
		if t != float64(int(t)) || t < 1 || (i > 0 && t <= th[i-1]) {
			return nil, fault.Errorf(fault.Invalid, "comparison %s: edit-distance thresholds must be whole numbers from 1, increasing, got %v", spec.Label(), th)
		}
		d.thresholds = append(d.thresholds, int(t))
		labels = append(labels, fmt.Sprintf("%s<=%d", name, int(t)))
	}
	d.coded = coded{col, baseLevels(labels...)}
	return d, nil
}

func (d *distance) Compare(a, b int) int {
	ca, cb, l, done := d.pre(a, b)
	if done {
		return l
	}
	dist := d.dist(d.col.Values[ca], d.col.Values[cb], d.thresholds[len(d.thresholds)-1])
	for i, t := range d.thresholds {
		if dist <= t {
			return 2 + i
		}
	}
	return 2 + len(d.thresholds)
}

// buildComparer makes the comparer for spec over the table.
func buildComparer(t *table, spec ComparisonSpec) (Comparer, *Column, error) {
	raw := spec.Raw || spec.Kind == "dice"
	col, err := t.column(spec.FieldList(), raw)
	if err != nil {
		return nil, nil, err
	}
	f, ok := comparers[spec.Kind]
	if !ok {
		return nil, nil, fault.Errorf(fault.Invalid, "comparison %s: unknown kind %q", spec.Label(), spec.Kind)
	}
	c, err := f(spec, col)
	if err != nil {
		return nil, nil, err
	}
	if spec.SwapWith != "" {
		other, err := t.column([]string{spec.SwapWith}, raw)
		if err != nil {
			return nil, nil, err
		}
		c = newSwapped(c, col, other)
	}
	if n := len(c.Levels()); n < 2 || n > maxLevels-1 {
		return nil, nil, fault.Errorf(fault.Invalid, "comparison %s has %d levels: use fewer thresholds", spec.Label(), n)
	}
	return c, col, nil
}

// swapped wraps a comparison with a level for values written in each
// other's fields: a's value equals b's other field, or the reverse.
type swapped struct {
	inner      Comparer
	col, other *Column
	levels     []Level
	below      int // inner levels from this index move down one
}

func newSwapped(inner Comparer, col, other *Column) *swapped {
	ls := inner.Levels()
	below := 1
	for l, lv := range ls {
		if lv.Exact {
			below = l + 1
		}
	}
	levels := append(append(append([]Level{}, ls[:below]...), Level{Label: "swapped"}), ls[below:]...)
	return &swapped{inner: inner, col: col, other: other, levels: levels, below: below}
}

func (s *swapped) Levels() []Level { return s.levels }

func (s *swapped) Compare(a, b int) int {
	l := s.inner.Compare(a, b)
	if l < s.below {
		return l
	}
	if s.cross(a, b) || s.cross(b, a) {
		return s.below
	}
	return l + 1
}

// cross reports whether a's value equals b's other field.
func (s *swapped) cross(a, b int) bool {
	ca, cb := s.col.Codes[a], s.other.Codes[b]
	return ca != 0 && cb != 0 && s.col.Values[ca] == s.other.Values[cb]
}
