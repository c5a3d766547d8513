package programme

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
)

// Figures is how the programme gets figures: from the insight room, so a
// claim's figure passes the agreement check, disclosure control and the
// audit log like any other. *insight.Engine implements it.
type Figures interface {
	Trend(ctx context.Context, u *govern.User, q insight.TrendQuery) (*insight.Trend, error)
	Aggregate(ctx context.Context, u *govern.User, q insight.AggregateQuery) (*disclose.Result, error)
}

// Verdict is what checking a claim against the data found.
type Verdict string

// The verdicts, from best to worst.
const (
	// Confirmed: the data agree with every stated value within the
	// claim's stated rounding (and the published figures' protection).
	Confirmed Verdict = "confirmed"
	// Differs: the data give other values; both and the gap are shown.
	Differs Verdict = "differs"
	// CannotCheck: the data to check it is missing, withheld or not
	// ours to read; the reason names what.
	CannotCheck Verdict = "cannot-check"
)

// Value is one figure for one period: stated, or computed and published.
type Value struct {
	Figure string `json:"figure"`
	Period string `json:"period,omitempty"`
	// Value is the number; for a range (levels with withheld cells) the
	// least, with Upper the most.
	Value float64  `json:"value"`
	Upper *float64 `json:"upper,omitempty"`
	// Shown is the value as published ("[c]" when withheld).
	Shown string `json:"shown"`
	Unit  string `json:"unit,omitempty"`
}

// FigureResult is one figure of a claim checked.
type FigureResult struct {
	Label    string  `json:"label"`
	Status   Verdict `json:"status"`
	Stated   []Value `json:"stated"`
	Computed []Value `json:"computed"`
	// Gap says how far apart they are, in words.
	Gap string `json:"gap,omitempty"`
	// Reason says why it cannot be checked.
	Reason string `json:"reason,omitempty"`
	Source string `json:"source"`
	// Series holds every published period, for context.
	Series     []Value `json:"series,omitempty"`
	Protection string  `json:"protection,omitempty"`
	// Shift is how far the published figures are likely to be from the
	// true ones (the perturbation's likely shift, not its rare tail, and
	// half the rounding base): the slack a claim is judged within.
	Shift float64 `json:"protection_shift,omitempty"`
}

// Result is a claim checked against the data.
type Result struct {
	ID        string         `json:"id"`
	Statement string         `json:"statement"`
	Status    Verdict        `json:"status"`
	Computed  []Value        `json:"computed"`
	Stated    []Value        `json:"stated"`
	Source    string         `json:"source"`
	Project   string         `json:"project,omitempty"`
	Figures   []FigureResult `json:"figures"`
}

// point is one published period of a computed series.
type point struct {
	period    string
	lo, hi    float64
	shown     string
	published bool
}

// computed is a figure's series with where it came from and how much
// the published values may differ from the true ones.
type computed struct {
	points     []point
	source     string
	slack      float64
	protection string
}

// Evaluator checks claims for one user through [Figures].
type Evaluator struct {
	Figures Figures
	// Dataset returns a dataset's catalogue entry (for its event-date
	// column).
	Dataset func(ctx context.Context, id string) (*catalog.Dataset, error)
}

// Evaluate checks c for user u: every figure computed through insight,
// then compared with the stated values. It never returns an error for a
// figure: a figure that cannot be computed is "cannot check" with why.
func (e Evaluator) Evaluate(ctx context.Context, u *govern.User, c *Claim) Result {
	r := Result{ID: c.ID, Statement: c.Statement, Project: c.Project, Status: Confirmed}
	var sources []string
	for i := range c.Figures {
		fr := e.figure(ctx, u, &c.Figures[i])
		r.Figures = append(r.Figures, fr)
		r.Stated = append(r.Stated, fr.Stated...)
		r.Computed = append(r.Computed, fr.Computed...)
		sources = append(sources, fr.Source)
		r.Status = worse(r.Status, fr.Status)
	}
	r.Source = strings.Join(sources, "; ")
	return r
}

func worse(a, b Verdict) Verdict {
	rank := map[Verdict]int{Confirmed: 0, Differs: 1, CannotCheck: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func (e Evaluator) figure(ctx context.Context, u *govern.User, f *Figure) FigureResult {
	fr := FigureResult{Label: f.Label, Source: describeFigure(f)}
	for i, s := range f.Stated {
		v := Value{Figure: f.Label, Value: s, Shown: fmtNum(s, f.Rounding), Unit: f.Unit}
		if i < len(f.Compare) {
			v.Period = f.Compare[i]
		}
		fr.Stated = append(fr.Stated, v)
	}
	cp, err := e.compute(ctx, u, f)
	if err != nil {
		fr.Status, fr.Reason = CannotCheck, fault.Message(err)
		return fr
	}
	fr.Source, fr.Protection, fr.Shift = cp.source, cp.protection, cp.slack
	for _, p := range cp.points {
		fr.Series = append(fr.Series, p.value(f))
	}
	picked, reason := pick(f, cp.points)
	if reason != "" {
		fr.Status, fr.Reason = CannotCheck, reason
		return fr
	}
	if mag := math.Max(math.Abs(f.Stated[0]), f.Rounding); cp.slack > mag {
		fr.Status = CannotCheck
		fr.Reason = fmt.Sprintf("too few records to tell: the published figures may be off by up to %s %s, more than the value stated", fmtNum(cp.slack, f.Rounding/10), f.Unit)
		for _, p := range picked {
			fr.Computed = append(fr.Computed, p.value(f))
		}
		return fr
	}
	fr.Status = Confirmed
	var gaps []string
	tol := f.Rounding/2 + cp.slack
	for i, p := range picked {
		fr.Computed = append(fr.Computed, p.value(f))
		fr.Stated[i].Period = p.period
		s := f.Stated[i]
		if s < p.lo-tol || s > p.hi+tol {
			fr.Status = Differs
		}
		gaps = append(gaps, gap(s, p, f))
	}
	fr.Gap = strings.Join(gaps, "; ")
	fr.Gap += fmt.Sprintf(" (agreement allows ±%s for the stated rounding", fmtNum(f.Rounding/2, f.Rounding/10))
	if cp.slack > 0 {
		fr.Gap += fmt.Sprintf(" and ±%s for the published figures' protection", fmtNum(cp.slack, f.Rounding/10))
	}
	fr.Gap += ")"
	return fr
}

func (p point) value(f *Figure) Value {
	v := Value{Figure: f.Label, Period: p.period, Value: p.lo, Shown: p.shown, Unit: f.Unit}
	if p.hi != p.lo {
		hi := p.hi
		v.Upper = &hi
	}
	return v
}

// gap says how a stated value compares with the computed one.
func gap(s float64, p point, f *Figure) string {
	label := p.period
	if label == "" {
		label = "the period"
	}
	if s >= p.lo && s <= p.hi {
		return fmt.Sprintf("%s: stated %s, data %s", label, fmtNum(s, f.Rounding), p.shown)
	}
	d := p.lo - s
	if s > p.hi {
		d = p.hi - s
	}
	sign := "+"
	if d < 0 {
		sign = ""
	}
	return fmt.Sprintf("%s: stated %s, data %s (%s%s)", label, fmtNum(s, f.Rounding), p.shown, sign, fmtNum(d, f.Rounding))
}

// pick chooses the computed points the stated values are compared with,
// or says why there are none.
func pick(f *Figure, pts []point) ([]point, string) {
	var have []string
	byPeriod := map[string]point{}
	for _, p := range pts {
		have = append(have, p.period)
		byPeriod[p.period] = p
	}
	if len(pts) == 0 {
		return nil, "the data holds no records for this figure"
	}
	switch {
	case len(f.Compare) > 0:
		var out []point
		for _, c := range f.Compare {
			p, ok := byPeriod[c]
			if !ok {
				return nil, fmt.Sprintf("the data has no figure for %s: it covers %s", c, strings.Join(have, ", "))
			}
			if !p.published {
				return nil, fmt.Sprintf("the figure for %s is withheld by disclosure control (%s)", c, disclose.Confidential)
			}
			out = append(out, p)
		}
		return out, ""
	case f.Period != "":
		return nearestPair(f, pts)
	}
	if !pts[0].published {
		return nil, fmt.Sprintf("the figure is withheld by disclosure control (%s)", disclose.Confidential)
	}
	return pts[:1], ""
}

// nearestPair tries every consecutive pair of published periods against
// a claim that says "year on year" without saying which years, and
// returns the pair nearest the stated values: the data are shown as they
// are, never moved towards the claim.
func nearestPair(f *Figure, pts []point) ([]point, string) {
	best, bestD := -1, math.Inf(1)
	for i := 0; i+1 < len(pts); i++ {
		a, b := pts[i], pts[i+1]
		if !a.published || !b.published {
			continue
		}
		d := relDist(f.Stated[0], a) + relDist(f.Stated[1], b)
		if d < bestD {
			best, bestD = i, d
		}
	}
	if best < 0 {
		return nil, "no two consecutive periods are both published: the data cannot show a change from one to the next"
	}
	return []point{pts[best], pts[best+1]}, ""
}

func relDist(s float64, p point) float64 {
	v := p.lo
	if s > p.hi {
		v = p.hi
	} else if s >= p.lo {
		return 0
	}
	return math.Abs(v-s) / math.Max(math.Abs(s), 1)
}

// fmtNum writes x to the precision step implies (1: whole numbers).
func fmtNum(x, step float64) string {
	dec := 0
	for step > 0 && step < 1 && dec < 3 {
		step *= 10
		dec++
	}
	s := strconv.FormatFloat(x, 'f', dec, 64)
	if dec == 0 && math.Abs(x) >= 1000 {
		return thousands(s)
	}
	return s
}

func thousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func describeFigure(f *Figure) string {
	area := f.Area
	if area == "" {
		area = "county"
	}
	if f.Indicator != "" {
		return fmt.Sprintf("indicator %s, %s, by %s", f.Indicator, area, f.Period)
	}
	s := fmt.Sprintf("dataset %s, %s", f.Dataset, measureOrCount(f.Measure))
	if f.Where != "" {
		s += " where " + f.Where
	}
	if f.Since != "" || f.Until != "" {
		s += fmt.Sprintf(", %s to %s", orOpen(f.Since), orOpen(f.Until))
	}
	if f.Period != "" {
		s += ", by " + f.Period
	}
	return s
}

func measureOrCount(m string) string {
	if m == "" {
		return "count"
	}
	return m
}

func orOpen(d string) string {
	if d == "" {
		return "…"
	}
	return d
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
