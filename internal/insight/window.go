package insight

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
)

// LatestPeriod asks for a figure's default period: the latest complete
// period at which most districts' counts can be published (see
// [Engine.chooseWindow]).
const LatestPeriod = "latest"

// Window is the stretch of time a figure covers, in whole months: a
// quarter ("2023-Q3"), a calendar year ("2023"), the 12 months to a month
// ("12 months to 2023-12"), a run of whole years ("2018-2023") or any run
// of months ("2023-01 to 2023-06"). Its ID is how a user asks for it and
// how every figure states it.
type Window struct {
	// ID names the window, e.g. "12 months to 2023-12".
	ID string `json:"id"`
	// From and To are the first and last months it covers (YYYY-MM).
	From string `json:"from"`
	To   string `json:"to"`
	// Months is its length.
	Months int `json:"months"`
	// Unit says what a rate over it is, e.g. "per 1,000 residents a year".
	Unit string `json:"unit"`

	from, to int  // month indexes (year*12 + month-1), inclusive
	whole    bool // every record, not a window chosen or asked for
}

var (
	reYear    = regexp.MustCompile(`^(\d{4})$`)
	reQuarter = regexp.MustCompile(`^(\d{4})-Q([1-4])$`)
	reYears   = regexp.MustCompile(`^(\d{4})\s*[-–]\s*(\d{4})$`)
	reRolling = regexp.MustCompile(`^12 months to (\d{4})-(\d{2})$`)
	reMonths  = regexp.MustCompile(`^(\d{4})-(\d{2}) to (\d{4})-(\d{2})$`)
)

// ParseWindow reads a period as a user writes it: 2023-Q3, 2023,
// 2018-2023, "12 months to 2023-12" or "2023-01 to 2023-06". It checks
// only the form; [Span.Check] checks it against a dataset's data.
func ParseWindow(s string) (Window, error) {
	s = strings.TrimSpace(s)
	atoi := func(x string) int { n, _ := strconv.Atoi(x); return n }
	var from, to int
	switch {
	case reYear.MatchString(s):
		y := atoi(s)
		from, to = y*12, y*12+11
	case reQuarter.MatchString(s):
		m := reQuarter.FindStringSubmatch(s)
		y, q := atoi(m[1]), atoi(m[2])
		from = y*12 + 3*(q-1)
		to = from + 2
	case reYears.MatchString(s):
		m := reYears.FindStringSubmatch(s)
		from, to = atoi(m[1])*12, atoi(m[2])*12+11
	case reRolling.MatchString(s):
		m := reRolling.FindStringSubmatch(s)
		to = atoi(m[1])*12 + atoi(m[2]) - 1
		from = to - 11
	case reMonths.MatchString(s):
		m := reMonths.FindStringSubmatch(s)
		from, to = atoi(m[1])*12+atoi(m[2])-1, atoi(m[3])*12+atoi(m[4])-1
	default:
		return Window{}, fault.FieldErrorf(fault.Invalid, "period", "%q is not a period: write a quarter (2023-Q3), a year (2023), years (2018-2023), \"12 months to 2023-12\" or \"2023-01 to 2023-06\"", s)
	}
	if from > to {
		return Window{}, fault.FieldErrorf(fault.Invalid, "period", "period %q runs backwards: put the earlier date first", s)
	}
	if m := reMonths.FindStringSubmatch(s); m != nil && (atoi(m[2]) < 1 || atoi(m[2]) > 12 || atoi(m[4]) < 1 || atoi(m[4]) > 12) {
		return Window{}, fault.FieldErrorf(fault.Invalid, "period", "period %q names a month that does not exist", s)
	}
	if m := reRolling.FindStringSubmatch(s); m != nil && (atoi(m[2]) < 1 || atoi(m[2]) > 12) {
		return Window{}, fault.FieldErrorf(fault.Invalid, "period", "period %q names a month that does not exist", s)
	}
	return newWindow(from, to), nil
}

// newWindow is the window of months from to to (inclusive), named in its
// simplest form.
func newWindow(from, to int) Window {
	w := Window{from: from, to: to, Months: to - from + 1, From: monthLabel(from), To: monthLabel(to)}
	switch {
	case w.Months == 3 && from%3 == 0:
		w.ID = fmt.Sprintf("%d-Q%d", from/12, from%12/3+1)
	case w.Months == 12 && from%12 == 0:
		w.ID = strconv.Itoa(from / 12)
	case w.Months%12 == 0 && from%12 == 0:
		w.ID = fmt.Sprintf("%d-%d", from/12, to/12)
	case w.Months == 12:
		w.ID = "12 months to " + monthLabel(to)
	default:
		w.ID = monthLabel(from) + " to " + monthLabel(to)
	}
	switch {
	case w.Months < 12:
		w.Unit = "per 1,000 residents in " + w.ID
	case w.Months == 12:
		w.Unit = "per 1,000 residents a year (" + w.ID + ")"
	default:
		w.Unit = "per 1,000 residents a year (the yearly average over " + w.ID + ")"
	}
	return w
}

func monthLabel(k int) string { return fmt.Sprintf("%d-%02d", k/12, k%12+1) }

// Years is the window's length in years: rates over a window of a year
// or more are per year (annualised), shorter ones per the window.
func (w Window) Years() float64 {
	if w.Months < 12 {
		return 1
	}
	return float64(w.Months) / 12
}

// dateRange is the window's first day and the day after its last, as
// dates (YYYY-MM-DD).
func (w Window) dateRange() (from, until string) {
	return monthLabel(w.from) + "-01", monthLabel(w.to+1) + "-01"
}

// contains reports whether month index k lies in the window.
func (w Window) contains(k int) bool { return k >= w.from && k <= w.to }

// Span is the run of complete months a dataset's data covers.
type Span struct {
	from, to int // inclusive month indexes; to < from when empty
}

// spanOf is the complete months between the first and last dates of the
// data (YYYY-MM-DD, or YYYY-MM for data recorded by the month). A month
// is counted complete when the data reaches its last week (it cannot know
// whether records after the last date are still to come), or when the
// data is recorded by the month.
func spanOf(first, last string, monthly bool) (Span, bool) {
	f, okf := parseDay(first)
	l, okl := parseDay(last)
	if !okf || !okl {
		return Span{}, false
	}
	from := f.Year()*12 + int(f.Month()) - 1
	to := l.Year()*12 + int(l.Month()) - 1
	if !monthly {
		if f.Day() > 7 {
			from++
		}
		if l.AddDate(0, 0, 7).Month() == l.Month() {
			to--
		}
	}
	return Span{from: from, to: to}, from <= to
}

func parseDay(s string) (time.Time, bool) {
	s = dateOnly(strings.TrimSpace(s))
	for _, layout := range []string{time.DateOnly, "2006-01"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if len(s) > 10 {
		if t, err := time.Parse(time.DateOnly, s[:10]); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// String says what the span covers, e.g. "2018-01 to 2023-12".
func (s Span) String() string { return monthLabel(s.from) + " to " + monthLabel(s.to) }

// Choices are the periods a user may pick, latest first: the 12 months to
// the last complete month, the latest 3 whole years and all whole years,
// each whole year, then each whole quarter.
func (s Span) Choices() []Window {
	var out []Window
	add := func(from, to int) {
		if from >= s.from && to <= s.to && to >= from {
			w := newWindow(from, to)
			if !slices.ContainsFunc(out, func(x Window) bool { return x.ID == w.ID }) {
				out = append(out, w)
			}
		}
	}
	for _, c := range s.candidates() {
		add(c.from, c.to)
	}
	for _, g := range []string{"year", "quarter"} {
		ps := s.periods(g)
		for i := len(ps) - 1; i >= 0; i-- {
			add(ps[i].from, ps[i].to)
		}
	}
	return out
}

// candidates are the default's candidates, shortest first: the latest 12
// months, the latest 3 whole years, all whole years; or, for data shorter
// than a year, all of it.
func (s Span) candidates() []Window {
	if s.to-s.from+1 < 12 {
		return []Window{newWindow(s.from, s.to)}
	}
	out := []Window{newWindow(s.to-11, s.to)}
	firstYear, lastYear := (s.from+11)/12, (s.to+1)/12-1
	if lastYear-firstYear+1 >= 3 {
		out = append(out, newWindow((lastYear-2)*12, lastYear*12+11))
	}
	if lastYear-firstYear+1 > 3 {
		out = append(out, newWindow(firstYear*12, lastYear*12+11))
	}
	return out
}

// Check returns the window p names if the data covers all of it, or an
// error naming the periods that do exist.
func (s Span) Check(p string) (Window, error) {
	w, err := ParseWindow(p)
	if err != nil {
		return w, fault.FieldErrorf(fault.Invalid, "period", "%s; %s", fault.Message(err), s.choicesText())
	}
	if w.from < s.from || w.to > s.to {
		return w, fault.FieldErrorf(fault.Invalid, "period", "there is no complete period %s in this data (it covers %s); %s", w.ID, s, s.choicesText())
	}
	return w, nil
}

// choicesText names the periods a user may pick, briefly.
func (s Span) choicesText() string {
	var ids []string
	for _, w := range s.Choices() {
		ids = append(ids, w.ID)
	}
	if len(ids) > 8 {
		ids = append(ids[:7], "…", ids[len(ids)-1])
	}
	return "choose one of " + strings.Join(ids, ", ")
}

// eventColumn is the schema's event-date column, or nil.
func eventColumn(sc *catalog.Schema) *catalog.Column {
	if sc == nil {
		return nil
	}
	for i := range sc.Columns {
		if sc.Columns[i].Role == catalog.RoleEventDate {
			return &sc.Columns[i]
		}
	}
	return nil
}

// monthIndex is the month index of a month key (YYYY-MM) or a date.
func monthIndex(s string) (int, bool) {
	y, m, ok := periodStart(s)
	if !ok || len(s) < 7 {
		return 0, false
	}
	return y*12 + m - 1, true
}

// monthCounts holds each area's count by month index: what a figure's
// default period and a trend's default grain are chosen on. They are
// compared with the threshold and never published.
type monthCounts map[string]map[int]int64

// add counts n in area's month k.
func (mc monthCounts) add(area string, k int, n int64) {
	if mc[area] == nil {
		mc[area] = map[int]int64{}
	}
	mc[area][k] += n
}

// reaching counts, of the cells that are each area over each window, those
// whose count reaches the threshold.
func (mc monthCounts) reaching(windows []Window, areas []string, threshold int64) (n, of int) {
	for _, w := range windows {
		for _, a := range areas {
			var sum int64
			for k := w.from; k <= w.to; k++ {
				sum += mc[a][k]
			}
			if sum >= threshold {
				n++
			}
		}
	}
	return n, len(windows) * len(areas)
}

// mostlyReaching picks among candidate layouts (each a set of windows,
// every one of them shown for every area) the first at which at least two
// cells in three reach the threshold — so that, after disclosure control,
// most of them are published — or else the one with the largest share of
// such cells (the later on a tie). A candidate with no cell at all (no
// area, or no whole period) passes.
func (mc monthCounts) mostlyReaching(cands [][]Window, areas []string, threshold int64) int {
	best, bestN, bestOf := len(cands)-1, -1, 1
	for i, ws := range cands {
		n, of := mc.reaching(ws, areas, threshold)
		if 3*n >= 2*of {
			return i
		}
		if n*bestOf >= bestN*of {
			best, bestN, bestOf = i, n, of
		}
	}
	return best
}

// chooseWindow picks the default among the candidates (shortest and
// latest first): the first at which at least two districts in three have
// a count at or above the threshold, or else the one with the most such
// districts (the longest on a tie); see [monthCounts.mostlyReaching].
func chooseWindow(cands []Window, counts monthCounts, districts []string, threshold int64) Window {
	each := make([][]Window, len(cands))
	for i, w := range cands {
		each[i] = []Window{w}
	}
	return cands[counts.mostlyReaching(each, districts, threshold)]
}

// grains are the trend grains from the finest.
var grains = []string{"month", "quarter", "year"}

// chooseGrain picks a trend's default grain: the finest of month, quarter
// and year at which at least two in three of its cells (each area over
// each complete period of the span) reach the threshold, as
// [chooseWindow] decides a figure's default period; else the grain with
// the largest such share (the coarser on a tie).
func chooseGrain(s Span, counts monthCounts, areas []string, threshold int64) string {
	cands := make([][]Window, len(grains))
	for i, g := range grains {
		cands[i] = s.periods(g)
	}
	return grains[counts.mostlyReaching(cands, areas, threshold)]
}

// periods are the span's whole periods of a grain (month, quarter or
// year), in time order.
func (s Span) periods(grain string) []Window {
	n := map[string]int{"month": 1, "quarter": 3, "year": 12}[grain]
	var out []Window
	for k := (s.from + n - 1) / n * n; k+n-1 <= s.to; k += n {
		out = append(out, newWindow(k, k+n-1))
	}
	return out
}
