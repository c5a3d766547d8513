// Package redteam attacks published figures the way an analyst with every
// published table could: it links tables through the arithmetic that
// holds between their true counts (margins and totals, months within
// quarters within years, LSOAs within districts, a filter split in two,
// one dataset version inside the next, the same figure asked for under
// another threshold, rounding or again) and works out every withheld
// cell it can. It scores each attack against the true counts: the cells
// attacked, those recovered exactly, and those the attacker could know
// were exact.
//
// The package is pure: tables come from a [Source] (the CLI, the JSON API
// or an export, wired elsewhere) and the truth from a [Source] that
// counts without disclosure control.
package redteam

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Figure is one published count: its value, or withheld ([c]).
type Figure struct {
	Value    int64
	Withheld bool
}

// Table is a published (or true) table: figures by their levels joined
// with "|" (margins have "Total" as their level), and its protection.
type Table struct {
	Dims    []string
	Figures map[string]Figure
	// Threshold is the smallest count published; RoundTo the rounding
	// base; MaxShift the most perturbation moves a count (0 for none).
	Threshold, RoundTo, MaxShift int64
	// Preimage, when the perturbation table is known (it is published),
	// gives the smallest and largest true counts that can be published as
	// a count in [lo, hi]: tighter than MaxShift where the table treats
	// small counts specially. Nil: any count within MaxShift.
	Preimage func(lo, hi int64) (minCount, maxCount int64, ok bool)
	// Likely is Preimage over the perturbations the table draws often
	// (not its rare tail): the attacker's estimate uses it, its certainty
	// the full Preimage. Nil: estimates use Preimage.
	Likely func(lo, hi int64) (minCount, maxCount int64, ok bool)
	// ZerosShown lets the attacker read a table that shows a zero as one
	// that never withholds zeros, so its withheld cells count someone (the
	// platform's policy unless it suppresses zeros, and then it shows
	// none). With a perturbation table that moves counts by at most 3 this
	// pinned a withheld 1 now and then; the shipped table's rare tail is
	// the answer (docs/disclosure.md, "Why the tail").
	ZerosShown bool
	// Refused holds the refusal when the table was not published at all.
	Refused string
}

// Query is one table an attacker asks for.
type Query struct {
	Dataset string
	By      []string
	Where   string
	Version int // 0: the latest
	// Threshold raises the agreement's threshold; RoundTo rounds.
	Threshold, RoundTo int64
	// Purpose asks under another purpose than the target's ("" its own).
	Purpose string
	// Path names the output path to ask through when a [Paths] source
	// publishes ("" its default): the same table through the CLI, the API,
	// an export…
	Path string
}

// String describes q as a command line would.
func (q Query) String() string {
	s := q.Dataset + " by " + strings.Join(q.By, ",")
	if q.Where != "" {
		s += " where " + q.Where
	}
	if q.Version > 0 {
		s += fmt.Sprintf(" v%d", q.Version)
	}
	if q.Threshold > 0 {
		s += fmt.Sprintf(" threshold %d", q.Threshold)
	}
	if q.RoundTo > 0 {
		s += fmt.Sprintf(" round %d", q.RoundTo)
	}
	if q.Purpose != "" {
		s += " for " + q.Purpose
	}
	if q.Path != "" {
		s += " via " + q.Path
	}
	return s
}

// Source publishes tables: the platform through one of its paths, or
// the truth.
type Source interface {
	Table(ctx context.Context, q Query) (*Table, error)
}

// SourceFunc is a function as a [Source].
type SourceFunc func(ctx context.Context, q Query) (*Table, error)

// Table implements [Source].
func (f SourceFunc) Table(ctx context.Context, q Query) (*Table, error) { return f(ctx, q) }

// Paths publishes each query through the source its Path names (the
// empty name for queries that name none): one attacker combining what
// several output paths publish.
type Paths map[string]Source

// Table implements [Source].
func (p Paths) Table(ctx context.Context, q Query) (*Table, error) {
	s, ok := p[q.Path]
	if !ok {
		return nil, fmt.Errorf("no output path %q to ask for %s", q.Path, q)
	}
	return s.Table(ctx, q)
}

// Ref names one cell of one of an attack's tables.
type Ref struct {
	Table int    // index into the attack's queries
	Key   string // levels joined with "|"
}

// Link is one equation between true counts: the parts sum to the total.
type Link struct {
	Total Ref
	Parts []Ref
}

// Attack is one way of combining published tables.
type Attack struct {
	Name    string
	Queries []Query
	// Links derives the equations between the tables' true counts from
	// the published tables (their levels), in the order of Queries.
	Links func(tabs []*Table) []Link
	// Consistent says the linked tables publish the same records under
	// the same protection (one table through several paths), so every
	// cell linked one to one must be published identically: a cell
	// published differently is scored in [Score.Differ].
	Consistent bool
}

// Score is what an attack achieved against withheld cells.
type Score struct {
	Attack string
	Path   string
	// Attacked counts withheld cells in at least one equation whose other
	// members are all published (cells the attacker can estimate), and
	// any withheld cell the equations together pin to one value. A cell
	// asked for more than once (the same records in two tables: the same
	// query again, another threshold or rounding) counts once, and only
	// when it is withheld every time.
	Attacked int
	// Exact counts attacked cells whose estimate equals the true count:
	// the midpoint of the range the table's likely perturbations leave.
	Exact int
	// Knowable counts attacked cells whose value the published figures
	// fix to one number: the attacker knows it is exact.
	Knowable int
	// Unsound counts cells whose true count falls outside the bounds the
	// attacker worked out: the attacker's reading of the published
	// figures was wrong (a withheld cell assumed small that was not), so
	// its "knowable" cells are not knowledge. A sound attack has none.
	Unsound int
	// Guessed counts attacked cells equal to the commonest true value of
	// the attacked cells: what guessing without any published figure
	// would get right (an oracle's best constant guess).
	Guessed int
	// WidthExact and WidthMissed are the mean widths of the attacker's
	// intervals for exact and missed cells: near-equal widths mean the
	// attacker cannot tell an exact recovery from a miss.
	WidthExact, WidthMissed float64
	// Refused says why the platform refused the attack's queries, when it
	// did.
	Refused string
	// Cells and Withheld count the attack's published cells and those
	// withheld; AbsError sums |published − true| over the shown ones: the
	// utility the protection leaves.
	Cells, Withheld int
	AbsError        float64
	// Tables counts the attack's published tables, and WholeTables those
	// withheld whole (every cell [c]: the differencing audit's answer).
	Tables, WholeTables int
	// Compared and Differ count, for a [Attack.Consistent] attack, the
	// pairs of cells counting the same records, and those published
	// differently (another value, or shown against withheld): a second
	// draw of the perturbation for the attacker to average.
	Compared, Differ int
}

// MAE is the mean absolute error of the shown cells.
func (s Score) MAE() float64 {
	if n := s.Cells - s.Withheld; n > 0 {
		return s.AbsError / float64(n)
	}
	return 0
}

// String is one line of a red-team report.
func (s Score) String() string {
	if s.Refused != "" {
		return fmt.Sprintf("%-34s %-5s refused: %s", s.Attack, s.Path, s.Refused)
	}
	rate := 0.0
	if s.Attacked > 0 {
		rate = float64(s.Exact) / float64(s.Attacked)
	}
	know := "no"
	if s.Knowable > 0 {
		know = fmt.Sprintf("YES (%d cells)", s.Knowable)
	}
	withheld := 0.0
	if s.Cells > 0 {
		withheld = 100 * float64(s.Withheld) / float64(s.Cells)
	}
	guess := 0.0
	if s.Attacked > 0 {
		guess = 100 * float64(s.Guessed) / float64(s.Attacked)
	}
	line := fmt.Sprintf("%-34s %-6s attacked %5d  exact %5d (%4.1f%%; a blind guess %4.1f%%)  attacker could know: %s  (interval width exact %.1f, missed %.1f)  utility: %d cells, %.1f%% withheld, %d of %d tables withheld whole, MAE %.2f",
		s.Attack, s.Path, s.Attacked, s.Exact, 100*rate, guess, know, s.WidthExact, s.WidthMissed, s.Cells, withheld, s.WholeTables, s.Tables, s.MAE())
	if s.Compared > 0 {
		line += fmt.Sprintf("  same records across tables: %d cells, published differently %d", s.Compared, s.Differ)
	}
	if s.Unsound > 0 {
		line += fmt.Sprintf("  UNSOUND: %d true counts outside the attacker's bounds", s.Unsound)
	}
	return line
}

// Run asks pub for the attack's tables, works out what it can of every
// withheld cell, and scores it against truth.
func Run(ctx context.Context, a Attack, path string, pub, truth Source) (Score, error) {
	sc := Score{Attack: a.Name, Path: path}
	var tabs, real []*Table
	for _, q := range a.Queries {
		t, err := pub.Table(ctx, q)
		if err != nil {
			return sc, fmt.Errorf("%s: %s: %w", a.Name, q, err)
		}
		if t.Refused != "" {
			sc.Refused = t.Refused
			return sc, nil
		}
		r, err := truth.Table(ctx, q)
		if err != nil {
			return sc, fmt.Errorf("%s: truth of %s: %w", a.Name, q, err)
		}
		tabs, real = append(tabs, t), append(real, r)
	}
	for i, t := range tabs {
		sc.Tables++
		if WithheldWhole(t) {
			sc.WholeTables++
		}
		for k, f := range t.Figures {
			sc.Cells++
			if f.Withheld {
				sc.Withheld++
			} else {
				sc.AbsError += math.Abs(float64(f.Value - real[i].Figures[k].Value))
			}
		}
	}
	links := a.Links(tabs)
	if err := check(links, real); err != nil {
		return sc, fmt.Errorf("%s: %w", a.Name, err)
	}
	if a.Consistent {
		for _, l := range links {
			if len(l.Parts) == 1 {
				sc.Compared++
				if tabs[l.Total.Table].Figures[l.Total.Key] != tabs[l.Parts[0].Table].Figures[l.Parts[0].Key] {
					sc.Differ++
				}
			}
		}
	}
	s := newSolver(tabs, links, false)
	s.solve()
	// The estimate: the midpoint of the range the likely perturbations
	// leave (unsound now and then, by design: a best guess, not a bound).
	est := newSolver(tabs, links, true)
	est.solve()
	var wExact, wMissed float64
	freq := map[int64]int{}
	for id, ref := range s.refs {
		if v := real[ref.Table].Figures[ref.Key].Value; v < s.lo[id] || v > s.hi[id] {
			sc.Unsound++
		}
	}
	for _, g := range s.sameCells() {
		lo, hi, withheld, derivable := int64(0), unbounded, true, false
		elo, ehi := int64(0), unbounded
		for _, id := range g {
			lo, hi = max(lo, s.lo[id]), min(hi, s.hi[id])
			elo, ehi = max(elo, est.lo[id]), min(ehi, est.hi[id])
			withheld = withheld && s.withheld[id]
			derivable = derivable || (s.withheld[id] && s.derivable(id))
		}
		// A cell pinned through a chain of equations is attacked too, even
		// when no one equation derives it directly.
		if !withheld || (!derivable && lo != hi) {
			continue
		}
		sc.Attacked++
		ref := s.refs[g[0]]
		truthV := real[ref.Table].Figures[ref.Key].Value
		freq[truthV]++
		guess := (lo + hi) / 2
		if elo <= ehi {
			guess = (elo + ehi) / 2
		}
		width := float64(hi - lo)
		if guess == truthV {
			sc.Exact++
			wExact += width
		} else {
			wMissed += width
		}
		if lo == hi {
			sc.Knowable++
		}
	}
	for _, n := range freq {
		sc.Guessed = max(sc.Guessed, n)
	}
	if sc.Exact > 0 {
		sc.WidthExact = wExact / float64(sc.Exact)
	}
	if n := sc.Attacked - sc.Exact; n > 0 {
		sc.WidthMissed = wMissed / float64(n)
	}
	return sc, nil
}

// keys returns a table's keys, sorted.
func keys(t *Table) []string {
	out := make([]string, 0, len(t.Figures))
	for k := range t.Figures {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// check refuses an attack whose equations do not hold between the true
// counts: a wrong equation would let the solver claim knowledge the
// published figures do not give.
func check(links []Link, real []*Table) error {
	for _, l := range links {
		var sum int64
		for _, p := range l.Parts {
			sum += real[p.Table].Figures[p.Key].Value
		}
		if tot := real[l.Total.Table].Figures[l.Total.Key].Value; tot != sum {
			return fmt.Errorf("the equation for table %d cell %s does not hold between true counts (%d, parts sum to %d); the attack is wrong", l.Total.Table, l.Total.Key, tot, sum)
		}
	}
	return nil
}

// Gains reports whether the attack learned more than chance allows: its
// exact recoveries beat a blind guess of the commonest withheld value and
// are significantly above a quarter (were each recovery right with
// probability 1/4, so many or more would happen less than 1% of the
// time). It is the red team's judge rule with knowability: "well under a
// third" made testable on samples of any size.
func (s Score) Gains() bool {
	return s.Exact > s.Guessed && binomialTail(s.Exact, s.Attacked, 0.25) < 0.01
}

// binomialTail is the probability of k or more successes in n trials of
// probability p.
func binomialTail(k, n int, p float64) float64 {
	if k <= 0 {
		return 1
	}
	lg := func(x int) float64 { v, _ := math.Lgamma(float64(x) + 1); return v }
	sum := 0.0
	for i := k; i <= n; i++ {
		sum += math.Exp(lg(n) - lg(i) - lg(n-i) + float64(i)*math.Log(p) + float64(n-i)*math.Log1p(-p))
	}
	return sum
}
