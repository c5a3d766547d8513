package insight

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/query"
	"github.com/civiclink/civiclink/internal/query/expr"
)

// hasPeriodDim reports whether by groups by a period (year, quarter,
// month): each cell then states its own period.
func hasPeriodDim(by []string) bool {
	for _, b := range by {
		if slices.Contains(Periods, strings.ToLower(strings.TrimSpace(b))) {
			return true
		}
	}
	return false
}

// dataSpan reads the months the data covers from the versions' quality
// reports: all of them (for a figure over every record) and the complete
// ones (the periods a user may pick); ok is false for data without dates.
func dataSpan(spec query.AggregateSpec, ev *catalog.Column) (all Window, complete Span, ok bool) {
	if ev == nil {
		return Window{}, Span{}, false
	}
	bounds := periodBounds(spec, ev.Name)
	if len(bounds) == 0 {
		return Window{}, Span{}, false
	}
	first, last := slices.Min(bounds), slices.Max(bounds)
	f, okf := monthIndex(dateOnly(first))
	l, okl := monthIndex(dateOnly(last))
	if !okf || !okl {
		return Window{}, Span{}, false
	}
	complete, _ = spanOf(first, last, ev.Format == "2006-01")
	if ev.Yearly {
		complete = Span{from: f / 12 * 12, to: l/12*12 + 11}
	}
	all = newWindow(f, l)
	all.whole = true
	return all, complete, true
}

// preparePeriod checks the period q asks for against the data it reads,
// before anything is read: a period the data does not fully cover, or a
// period of data without dates, is refused with the choices that exist.
func (e *Engine) preparePeriod(q AggregateQuery, pr *prepared) error {
	ev := eventColumn(pr.d.Schema)
	all, span, ok := dataSpan(pr.spec, ev)
	pr.dated = ok
	pr.span = span
	if ok {
		pr.all = all
	}
	switch q.Period {
	case "", LatestPeriod:
		return nil
	}
	if ev == nil {
		return fault.FieldErrorf(fault.Invalid, "period", "dataset %s has no event date, so its figures have no periods: leave the period out", pr.d.ID)
	}
	if !ok || span.to < span.from {
		return fault.FieldErrorf(fault.Invalid, "period", "dataset %s covers no complete month yet, so no period can be chosen: leave the period out", pr.d.ID)
	}
	w, err := span.Check(q.Period)
	if err != nil {
		return err
	}
	pr.window = &w
	return nil
}

// aggregateWindow resolves the window of a prepared aggregate and
// restricts spec to it: the period asked for, the default chosen from the
// data (see [chooseWindow]), or, for every record, the whole span (which
// the figure states and its rates are averaged over). nil for data
// without dates.
func (e *Engine) aggregateWindow(ctx context.Context, a *aggregatePlan, spec *query.AggregateSpec) (*Window, error) {
	q, pr := a.q, a.prepared
	if !pr.dated {
		return nil, nil
	}
	w := pr.window
	if q.Period == LatestPeriod {
		if hasPeriodDim(q.By) || pr.span.to < pr.span.from {
			all := pr.all
			return &all, nil
		}
		chosen, err := e.latestWindow(ctx, a)
		if err != nil {
			return nil, err
		}
		w = &chosen
	}
	if w == nil {
		all := pr.all
		return &all, nil
	}
	ev := eventColumn(pr.d.Schema)
	from, until := w.dateRange()
	if ev.Type == catalog.TypeDatetime {
		from, until = from+"T00:00:00Z", until+"T00:00:00Z"
	}
	n, err := expr.ParseChecked(fmt.Sprintf("%s >= '%s' AND %s < '%s'", ev.Name, from, ev.Name, until), pr.d.Schema)
	if err != nil {
		return nil, err
	}
	if spec.Where != nil {
		n = &expr.And{Left: spec.Where, Right: n}
	}
	spec.Where = n
	return w, nil
}

// latestWindow chooses a prepared aggregate's default window from its
// counts by district (or the county's, without a district dimension) and
// month (see [chooseWindow]).
func (e *Engine) latestWindow(ctx context.Context, a *aggregatePlan) (Window, error) {
	counts, areas, err := e.aggregateMonths(ctx, a)
	if err != nil {
		return Window{}, err
	}
	return chooseWindow(a.span.candidates(), counts, areas, max(int64(a.dec.Threshold), a.q.Threshold)), nil
}

// aggregateMonths reads a prepared aggregate's counts by district (or the
// county's, without a district dimension) and month, under the decision
// already made, and the areas they are for. A share counts the records of
// its value (see [AggregateQuery.windowOn]). These counts choose defaults
// and are never published.
func (e *Engine) aggregateMonths(ctx context.Context, a *aggregatePlan) (monthCounts, []string, error) {
	pr := a.prepared
	spec := pr.spec
	spec.Members, spec.Buckets, spec.Keys = nil, false, false
	spec.By, spec.SumColumn = nil, ""
	var plan []dimPlan
	if byDistrict(a.q.By) {
		g, p, err := e.districtKey(pr.d.Schema)
		if err != nil {
			return nil, nil, err
		}
		spec.By, plan = append(spec.By, g), append(plan, p)
	}
	districts := len(plan) == 1
	if sh := a.q.windowOn; sh != nil {
		g, err := groupKey(pr.d.Schema, sh.Column)
		if err != nil {
			return nil, nil, err
		}
		spec.By, plan = append(spec.By, g), append(plan, dimPlan{name: dimName(g)})
	}
	ev := eventColumn(pr.d.Schema)
	spec.By, plan = append(spec.By, query.GroupKey{Column: ev.Name, Period: "month"}), append(plan, dimPlan{name: "month"})
	rows, err := e.Store.RawAggregate(ctx, spec)
	if err != nil {
		return nil, nil, err
	}
	rows = foldRows(rows, plan)
	counts := monthCounts{}
	for _, r := range rows {
		if sh := a.q.windowOn; sh != nil && r.Keys[len(r.Keys)-2] != sh.Value {
			continue
		}
		area := ""
		if districts {
			area = r.Keys[0]
		}
		if k, ok := monthIndex(r.Keys[len(r.Keys)-1]); ok {
			counts.add(area, k, r.Count)
		}
	}
	areas := []string{""}
	if districts {
		areas = e.districtLevels()
	}
	if len(areas) == 0 {
		for a := range counts {
			areas = append(areas, a)
		}
		sort.Strings(areas)
	}
	return counts, areas, nil
}

// byDistrict reports whether by groups by district.
func byDistrict(by []string) bool {
	return slices.ContainsFunc(by, func(b string) bool { return strings.EqualFold(strings.TrimSpace(b), DimDistrict) })
}

// cohortPeriod checks the period a cohort query asks for against the
// months its sources cover (all of them together), as [Engine.preparePeriod]
// does for an aggregate.
func cohortPeriod(q CohortQuery, c *cohortPlan) error {
	var bounds []string
	for _, src := range c.spec.Sources {
		if ev := eventColumn(src.Dataset.Schema); ev != nil {
			bounds = append(bounds, periodBounds(query.AggregateSpec{Version: src.Version, Versions: src.Versions}, ev.Name)...)
		}
	}
	if len(bounds) > 0 {
		first, last := slices.Min(bounds), slices.Max(bounds)
		f, okf := monthIndex(dateOnly(first))
		l, okl := monthIndex(dateOnly(last))
		if okf && okl {
			c.dated, c.all = true, newWindow(f, l)
			c.all.whole = true
			c.span, _ = spanOf(first, last, false)
		}
	}
	switch q.Period {
	case "", LatestPeriod:
		return nil
	}
	if !c.dated || c.span.to < c.span.from {
		return fault.FieldErrorf(fault.Invalid, "period", "cohort %s's records cover no complete month, so no period can be chosen: leave the period out", q.Cohort.Name)
	}
	w, err := c.span.Check(q.Period)
	if err != nil {
		return err
	}
	c.window = &w
	return nil
}

// cohortWindow is the window a cohort's table covers: the period asked
// for, the default chosen from the members' districts and index months,
// or the whole span; nil when the sources have no dates.
func (e *Engine) cohortWindow(c *cohortPlan, members []query.CohortMember) *Window {
	if !c.dated {
		return nil
	}
	q := c.q
	switch {
	case c.window != nil:
		return c.window
	case q.Period != LatestPeriod || hasPeriodDim(q.By) || c.span.to < c.span.from:
		all := c.all
		return &all
	}
	counts, areas := e.memberMonths(members, byDistrict(q.By))
	w := chooseWindow(c.span.candidates(), counts, areas, max(int64(c.dec.Threshold), q.Threshold))
	return &w
}

// memberMonths counts a cohort's members by district (or for the county)
// and the month of their index event, with the areas they are for.
func (e *Engine) memberMonths(members []query.CohortMember, districts bool) (monthCounts, []string) {
	counts := monthCounts{}
	for _, m := range members {
		area := ""
		if districts {
			area = e.districtOf(m)
		}
		counts.add(area, m.IndexDate.Year()*12+int(m.IndexDate.Month())-1, 1)
	}
	areas := []string{""}
	if districts {
		areas = e.districtLevels()
	}
	return counts, areas
}

// atGrain is an aggregate's query, plan and spec with their period
// dimension at grain (month, quarter or year); the originals are not
// changed.
func atGrain(q AggregateQuery, pr *prepared, spec query.AggregateSpec, grain string) (AggregateQuery, *prepared, query.AggregateSpec) {
	p := *pr
	p.plan, spec.By = slices.Clone(pr.plan), slices.Clone(spec.By)
	for i, g := range spec.By {
		if g.Period != "" {
			spec.By[i].Period, p.plan[i] = grain, dimPlan{name: grain}
		}
	}
	q.By = withGrain(q.By, grain)
	return q, &p, spec
}

// withGrain is by with its period dimension replaced by grain.
func withGrain(by []string, grain string) []string {
	out := slices.Clone(by)
	for i, b := range out {
		if slices.Contains(Periods, strings.ToLower(strings.TrimSpace(b))) {
			out[i] = grain
		}
	}
	return out
}
