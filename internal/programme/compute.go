package programme

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
)

// compute asks insight for f's series.
func (e Evaluator) compute(ctx context.Context, u *govern.User, f *Figure) (*computed, error) {
	if f.Indicator != "" {
		return e.indicator(ctx, u, f)
	}
	return e.dataset(ctx, u, f)
}

// indicator reads a shipped indicator's trend for the figure's area.
func (e Evaluator) indicator(ctx context.Context, u *govern.User, f *Figure) (*computed, error) {
	ind, err := insight.FindIndicator(f.Indicator)
	if err != nil {
		return nil, err
	}
	area := f.Area
	if area == "" || area == "county" {
		area = disclose.TotalLevel
	}
	tr, err := e.Figures.Trend(ctx, u, insight.TrendQuery{Indicator: ind, Period: f.Period, ByDistrict: area != disclose.TotalLevel})
	if err != nil {
		return nil, err
	}
	cp := &computed{source: fmt.Sprintf("%s (indicator %s), %s, by %s", ind.Title, ind.Name, areaName(f.Area), tr.Period)}
	if tr.Result != nil {
		cp.slack, cp.protection = protectionSlack(tr.Result.Protection), tr.Result.Protection.Note()
	}
	for _, s := range tr.Series {
		if s.Code != area {
			continue
		}
		for _, p := range s.Points {
			n, err := strconv.ParseFloat(p.Count, 64)
			cp.points = append(cp.points, point{period: p.Period, lo: n, hi: n, shown: p.Count, published: err == nil})
		}
	}
	return cp, nil
}

func areaName(a string) string {
	if a == "" || a == "county" {
		return "Essex"
	}
	return a
}

// protectionSlack is how far a published count is likely to be from the
// true one: the perturbation's likely shift (not its rare tail, which
// would let a wrong claim pass as confirmed) and half the rounding base.
func protectionSlack(p disclose.Protection) float64 {
	shift := p.LikelyShift
	if shift == 0 {
		shift = p.MaxShift
	}
	return float64(shift) + float64(p.RoundTo)/2
}

// dataset runs an aggregate over a dataset for the figure's measure.
func (e Evaluator) dataset(ctx context.Context, u *govern.User, f *Figure) (*computed, error) {
	d, err := e.Dataset(ctx, f.Dataset)
	if err != nil {
		if fault.Code(err) == fault.NotFound {
			return nil, fault.Errorf(fault.NotFound, "the data is missing: no dataset %s has been shared yet", f.Dataset)
		}
		return nil, err
	}
	kind, arg := f.MeasureKind()
	q := insight.AggregateQuery{Dataset: d.ID, Purpose: f.Purpose, Where: window(d, f)}
	period := f.Period
	if period == "" {
		period = "year"
	}
	col, val, _ := strings.Cut(arg, "=")
	switch kind {
	case "mean", "sum":
		q.Measure = f.Measure
		q.By = []string{period}
	case "share", "levels":
		q.By = []string{col, period}
	default:
		q.By = []string{period}
	}
	res, err := e.Figures.Aggregate(ctx, u, q)
	if err != nil {
		return nil, err
	}
	cp := &computed{source: fmt.Sprintf("%s (%s)", d.Name, describeFigure(f)),
		protection: res.Protection.Note(), slack: protectionSlack(res.Protection)}
	if res.Protection.Period != "" {
		cp.source += ", data " + res.Protection.Period
	}
	pd := len(res.Dims) - 1
	periods := []string{disclose.TotalLevel}
	if f.Period != "" {
		periods = res.Dims[pd].Levels
	}
	for _, p := range periods {
		pt := read(res, kind, col, val, p)
		pt.period = p
		if p == disclose.TotalLevel {
			pt.period = windowLabel(f, res.Protection.Period)
		}
		cp.points = append(cp.points, pt)
	}
	switch kind {
	case "mean", "sum":
		cp.slack = 0 // magnitudes are published as computed, or withheld
	case "levels":
		cp.slack = 0 // a withheld level is counted as a range, not a shift
	case "share":
		if tot, ok := res.Cell(disclose.TotalLevel, disclose.TotalLevel); ok && tot.Count > 0 {
			cp.slack = 100 * cp.slack / float64(tot.Count)
		}
	}
	return cp, nil
}

// read takes one period's published value of a measure from res.
func read(res *disclose.Result, kind, col, val, period string) point {
	withheld := point{shown: disclose.Confidential}
	switch kind {
	case "share":
		num, ok1 := res.Cell(val, period)
		den, ok2 := res.Cell(disclose.TotalLevel, period)
		if !ok1 || !ok2 || num.Status.Suppressed() || den.Status.Suppressed() || den.Count == 0 {
			return withheld
		}
		x := 100 * float64(num.Count) / float64(den.Count)
		return point{lo: x, hi: x, shown: strconv.FormatFloat(x, 'f', 1, 64) + "%", published: true}
	case "levels":
		var known, unknown float64
		for _, l := range res.Dims[0].Levels {
			c, ok := res.Cell(l, period)
			switch {
			case !ok || l == insight.Missing:
			case c.Status.Suppressed():
				unknown++
			case c.Count > 0:
				known++
			}
		}
		shown := strconv.FormatFloat(known, 'f', 0, 64)
		if unknown > 0 {
			shown = fmt.Sprintf("%s to %s (%s withheld)", shown, strconv.FormatFloat(known+unknown, 'f', 0, 64), strconv.FormatFloat(unknown, 'f', 0, 64))
		}
		return point{lo: known, hi: known + unknown, shown: shown, published: true}
	}
	c, ok := res.Cell(period)
	if !ok || c.Status.Suppressed() {
		return withheld
	}
	switch kind {
	case "mean":
		if c.Count == 0 {
			return point{shown: "no records"}
		}
		return point{lo: c.Mean, hi: c.Mean, shown: c.DisplayMean(), published: true}
	case "sum":
		return point{lo: c.Sum, hi: c.Sum, shown: thousands(strconv.FormatFloat(c.Sum, 'f', 0, 64)), published: true}
	}
	return point{lo: float64(c.Count), hi: float64(c.Count), shown: c.Display(), published: true}
}

// window adds the figure's since–until to its filter on the dataset's
// event date.
func window(d *catalog.Dataset, f *Figure) string {
	var parts []string
	if w := strings.TrimSpace(f.Where); w != "" {
		parts = append(parts, "("+w+")")
	}
	date := ""
	for _, c := range d.Schema.Columns {
		if c.Role == catalog.RoleEventDate {
			date = c.Name
			break
		}
	}
	if date != "" && f.Since != "" {
		parts = append(parts, fmt.Sprintf("%s >= '%s'", date, f.Since))
	}
	if date != "" && f.Until != "" {
		parts = append(parts, fmt.Sprintf("%s <= '%s'", date, f.Until))
	}
	return strings.Join(parts, " AND ")
}

// windowLabel names the span of a figure over a window.
func windowLabel(f *Figure, covered string) string {
	switch {
	case f.Since != "" && f.Until != "":
		return f.Since + " to " + f.Until
	case f.Since != "":
		return "since " + f.Since
	case f.Until != "":
		return "until " + f.Until
	case covered != "":
		return covered
	}
	return "all records"
}
