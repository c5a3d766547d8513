package redteam

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Refusal is what the auditor's-refusal attack saw: two overlapping
// filters that differ by a few records, the second table's fate, and the
// cells whose records did not change but whose published figure did.
type Refusal struct {
	Path string
	// Without names the records the second filter leaves out.
	Without string
	// Differ is how many records the two filters differ by.
	Differ int64
	// WithheldWhole says the second table was withheld whole.
	WithheldWhole bool
	// Same counts cells that count the same records in both tables;
	// Moved counts those among them published differently (shown against
	// withheld, or another value), and Pointed the cells withheld in the
	// second table though shown in the first and too large for the
	// threshold to withhold: either is a refusal that points at where the
	// difference lies. Uniform withholding has neither.
	Same, Moved, Pointed int
	Refused              string
}

// String is one line of a red-team report.
func (r Refusal) String() string {
	if r.Refused != "" {
		return fmt.Sprintf("%-34s %-6s refused: %s", "the auditor's refusal", r.Path, r.Refused)
	}
	whole := "no"
	if r.WithheldWhole {
		whole = "yes"
	}
	return fmt.Sprintf("%-34s %-6s filters differing by %d records (without %s): second table withheld whole: %s; unchanged cells %d, published differently %d; cells withheld only by a refusal %d",
		"the auditor's refusal", r.Path, r.Differ, r.Without, whole, r.Same, r.Moved, r.Pointed)
}

// Leaks reports whether the refusal told where the difference lies.
func (r Refusal) Leaks() bool { return r.Moved > 0 || r.Pointed > 0 }

// RunRefusal asks pub for a table under filter a, then under b (a less a
// few records, described by without), and checks that what the auditor
// withheld says nothing about which cells the records left: every cell
// whose records are the same in both tables must be published the same,
// unless the second table is withheld whole.
func RunRefusal(ctx context.Context, path, without string, a, b Query, pub, truth Source) (Refusal, error) {
	r := Refusal{Path: path, Without: without}
	var tabs, real [2]*Table
	for i, q := range []Query{a, b} {
		t, err := pub.Table(ctx, q)
		if err != nil {
			return r, fmt.Errorf("the auditor's refusal: %s: %w", q, err)
		}
		if t.Refused != "" {
			r.Refused = t.Refused
			return r, nil
		}
		tabs[i] = t
		if real[i], err = truth.Table(ctx, q); err != nil {
			return r, fmt.Errorf("the auditor's refusal: truth of %s: %w", q, err)
		}
	}
	r.WithheldWhole = WithheldWhole(tabs[1])
	for k, f := range real[0].Figures {
		g, ok := real[1].Figures[k]
		if !ok {
			g = Figure{} // a cell the second table lost: no records left
		}
		if isTotal(k) {
			r.Differ = max(r.Differ, f.Value-g.Value)
		}
		if r.WithheldWhole {
			continue
		}
		if t := tabs[1]; t.Figures[k].Withheld && !tabs[0].Figures[k].Withheld && g.Value >= t.Threshold+t.MaxShift {
			r.Pointed++
		}
		if f.Value != g.Value {
			continue
		}
		r.Same++
		if p, q := tabs[0].Figures[k], tabs[1].Figures[k]; p != q {
			r.Moved++
		}
	}
	return r, nil
}

// isTotal reports whether key is the grand total (every level Total).
func isTotal(key string) bool {
	for _, lv := range strings.Split(key, "|") {
		if lv != TotalLevel {
			return false
		}
	}
	return true
}

// RefusalQueries returns the auditor's-refusal attack on t: the table by
// place and period (or category) under t's filter, and the same less the
// records of t's rarest category level (level, of count n), so the two
// differ by n records.
func RefusalQueries(t Target, level string) (a, b Query, without string) {
	period := t.Category
	if t.Dated {
		period = "quarter"
	}
	a = Query{Dataset: t.Dataset, By: []string{t.Place, period}, Where: t.Where}
	b = a
	lit := "'" + strings.ReplaceAll(level, "'", "''") + "'"
	if _, err := strconv.ParseInt(level, 10, 64); err == nil {
		lit = level // a whole-number column compares with a number
	}
	without = t.Category + " = " + lit
	b.Where = "NOT (" + without + ")"
	if t.Where != "" {
		b.Where = "(" + t.Where + ") AND " + b.Where
	}
	return a, b, without
}

// RarestLevel returns the level of t's category with the fewest records
// (at least one) under t's filter, from the truth.
func RarestLevel(ctx context.Context, t Target, truth Source) (string, error) {
	tab, err := truth.Table(ctx, Query{Dataset: t.Dataset, By: []string{t.Category}, Where: t.Where})
	if err != nil {
		return "", err
	}
	best, n := "", int64(-1)
	for _, k := range keys(tab) {
		if v := tab.Figures[k].Value; k != TotalLevel && v > 0 && (n < 0 || v < n) {
			best, n = k, v
		}
	}
	return best, nil
}
