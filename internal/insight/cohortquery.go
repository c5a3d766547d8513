package insight

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/linkrun"
	"github.com/civiclink/civiclink/internal/query"
	"github.com/civiclink/civiclink/internal/query/expr"
)

// OpCohort is the read operation of cohort figures.
const OpCohort = "insight.cohort"

// DimDistrict groups by local authority district.
const DimDistrict = "district"

// CohortQuery asks how many people are in a cohort, by district and period
// of their index event.
type CohortQuery struct {
	Cohort *Cohort
	// Run is the linkage run whose entities are the people; 0 the latest.
	Run int64
	// By lists "district" and/or one of year, quarter, month.
	By []string
	// Purpose defaults to the cohort's own.
	Purpose   string
	RoundTo   int64
	Threshold int64
	// Period restricts the members to those whose index event falls in a
	// window of time, as [AggregateQuery.Period] does.
	Period string
	// span makes a period dimension contiguous (trends).
	span bool
	// chooseGrain is as [AggregateQuery]'s: the period dimension in By
	// is chosen from the members' index dates.
	chooseGrain bool
}

// CohortTable counts a cohort's members for user u, disclosure-controlled.
func (e *Engine) CohortTable(ctx context.Context, u *govern.User, q CohortQuery) (*disclose.Result, error) {
	c, err := e.prepareCohort(ctx, u, q, govern.Aggregate, OpCohort)
	if err != nil {
		return nil, err
	}
	return e.computeCohort(ctx, c)
}

// cohortPlan is a cohort decided for one user: the evaluated spec (opted-out
// records left out) and the decision that allows it.
type cohortPlan struct {
	u    *govern.User
	q    CohortQuery
	spec query.CohortSpec
	dec  govern.Decision
	// dated, all, span and window are as [prepared]'s: the months the
	// sources cover and the window asked for.
	dated  bool
	all    Window
	span   Span
	window *Window
}

// computeCohort evaluates a prepared cohort and counts its members,
// disclosure-controlled at the decided threshold. It asks governance
// nothing.
func (e *Engine) computeCohort(ctx context.Context, c *cohortPlan) (*disclose.Result, error) {
	res, _, err := e.computeCohortIn(ctx, c)
	return res, err
}

// computeCohortIn is [Engine.computeCohort], also returning the window
// the table covers (nil when the sources have no dates).
func (e *Engine) computeCohortIn(ctx context.Context, c *cohortPlan) (*disclose.Result, *Window, error) {
	u, q, dec := c.u, c.q, c.dec
	members, err := e.Store.CohortMembers(ctx, c.spec)
	if err != nil {
		return nil, nil, err
	}
	if q.chooseGrain {
		counts, areas := e.memberMonths(members, byDistrict(q.By))
		q.By = withGrain(q.By, chooseGrain(c.span, counts, areas, max(int64(dec.Threshold), q.Threshold)))
	}
	win := e.cohortWindow(c, members)
	if win != nil && q.Period != "" && !(q.Period == LatestPeriod && (hasPeriodDim(q.By) || c.span.to < c.span.from)) {
		members = slices.DeleteFunc(members, func(m query.CohortMember) bool {
			return !win.contains(m.IndexDate.Year()*12 + int(m.IndexDate.Month()) - 1)
		})
	}
	keys, err := e.unitKeys(ctx)
	if err != nil {
		return nil, nil, err
	}
	t, err := e.memberTable(q, members, keys)
	if err != nil {
		return nil, nil, err
	}
	p := e.policy(int64(dec.Threshold), q.Threshold, q.RoundTo, nil)
	period := coverage(nil, nil, t)
	if win != nil && !win.whole && !hasPeriodDim(q.By) {
		period = win.ID
	}
	res, err := disclose.Apply(ctx, t, p, disclose.Options{Dataset: "cohort:" + q.Cohort.Name, Query: "cohort " + q.Cohort.Name + " by " + strings.Join(q.By, ","), By: u.ID, Auditor: e.Auditor,
		Period: period})
	return res, win, err
}

// cohortMembers resolves the cohort against the run, asks governance for
// every dataset it reads, and evaluates it without opted-out records.
func (e *Engine) cohortMembers(ctx context.Context, u *govern.User, q CohortQuery, out govern.OutputKind, op string) ([]query.CohortMember, govern.Decision, error) {
	p, err := e.prepareCohort(ctx, u, q, out, op)
	if err != nil {
		return nil, govern.Decision{}, err
	}
	members, err := e.Store.CohortMembers(ctx, p.spec)
	return members, p.dec, err
}

// prepareCohort resolves the cohort against the run, asks governance for
// every dataset it reads (recording the decision) and reads the records
// opted out of the purpose: everything before the members are read.
func (e *Engine) prepareCohort(ctx context.Context, u *govern.User, q CohortQuery, out govern.OutputKind, op string) (*cohortPlan, error) {
	c := q.Cohort
	if c == nil {
		return nil, fault.Errorf(fault.Invalid, "no cohort given")
	}
	purpose := q.Purpose
	if purpose == "" {
		purpose = c.Purpose
	}
	run, err := e.linkageRun(ctx, q.Run)
	if err != nil {
		return nil, err
	}
	spec := query.CohortSpec{RunID: run.ID, Rule: storeRule(c.Rule)}
	var reads []govern.Read
	for _, name := range c.EventNames() {
		src, read, err := e.source(ctx, run, name, c.Events[name])
		if err != nil {
			return nil, fault.Errorf(fault.Code(err), "cohort %s, event %s: %s", c.Name, name, fault.Message(err))
		}
		spec.Sources, reads = append(spec.Sources, src), append(reads, read)
	}
	plan := &cohortPlan{u: u, spec: spec}
	if err := cohortPeriod(q, plan); err != nil {
		return nil, err
	}
	dec, err := e.Gov.Authorize(ctx, u, govern.Request{Operation: op, Purpose: purpose, Output: out, Reads: reads})
	if err != nil {
		return nil, err
	}
	for i := range spec.Sources {
		if spec.Sources[i].Exclude, err = e.excluded(ctx, spec.Sources[i].Dataset.ID, purpose); err != nil {
			return nil, err
		}
	}
	q.Purpose = purpose
	plan.q, plan.spec, plan.dec = q, spec, dec
	return plan, nil
}

// source resolves one event source to the dataset version in the run.
func (e *Engine) source(ctx context.Context, run *linkrun.LinkageRun, name string, ev EventSource) (query.CohortSource, govern.Read, error) {
	d, err := e.Store.Dataset(ctx, ev.Dataset)
	if err != nil {
		return query.CohortSource{}, govern.Read{}, err
	}
	number := 0
	for _, lv := range run.Datasets {
		if lv.DatasetID == d.ID {
			number = lv.Version
		}
	}
	if number == 0 {
		return query.CohortSource{}, govern.Read{}, fault.Errorf(fault.Invalid, "dataset %s is not in linkage run %d: link it first (civiclink link run)", d.ID, run.ID)
	}
	v, err := e.Store.Version(ctx, d.ID, number)
	if err != nil {
		return query.CohortSource{}, govern.Read{}, err
	}
	src := query.CohortSource{Name: name, Dataset: d, Version: v}
	if d.Schema.Accumulates {
		if src.Versions, err = readVersions(ctx, e.Store, d, number); err != nil {
			return src, govern.Read{}, err
		}
	}
	cols := map[string]bool{}
	for _, col := range d.Schema.Columns {
		switch {
		case col.Role == catalog.RoleRecordID, col.Role == catalog.RoleEventDate,
			col.Type == catalog.TypeDistrict, col.Type == catalog.TypeLSOA:
			cols[col.Name] = true
		}
	}
	if ev.Where != "" {
		if src.Where, err = expr.ParseChecked(ev.Where, d.Schema); err != nil {
			return src, govern.Read{}, err
		}
		for _, col := range expr.Columns(src.Where) {
			cols[col] = true
		}
	}
	read := govern.Read{Dataset: d.ID}
	for col := range cols {
		read.Columns = append(read.Columns, col)
	}
	sort.Strings(read.Columns)
	return src, read, nil
}

func storeRule(r Rule) query.CohortRule {
	out := query.CohortRule{All: r.All, AtLeast: r.AtLeast, Of: r.Of, WithinDays: r.WithinDays}
	if len(r.Sequence) == 2 {
		out.Sequence = [2]string{r.Sequence[0], r.Sequence[1]}
	}
	return out
}

// memberTable counts members by the asked dimensions; every district of
// the county appears, so a district with no members shows a true zero.
func (e *Engine) memberTable(q CohortQuery, members []query.CohortMember, unitKeys *disclose.UnitKeys) (*disclose.Table, error) {
	if len(q.By) == 0 {
		q.By = []string{DimDistrict}
	}
	keys := make([][]string, len(members))
	var dims []disclose.Dim
	for _, b := range q.By {
		b = strings.ToLower(strings.TrimSpace(b))
		var levels []string
		switch {
		case b == DimDistrict:
			levels = e.districtLevels()
			for i, m := range members {
				keys[i] = append(keys[i], levelOf(e.districtOf(m)))
			}
		case slices.Contains(Periods, b):
			for i, m := range members {
				keys[i] = append(keys[i], period(m, b))
			}
		default:
			return nil, fault.Errorf(fault.Invalid, "cohorts are counted by district and year, quarter or month, not %q", b)
		}
		dims = append(dims, disclose.Dim{Name: b, Levels: levels})
	}
	for d := range dims {
		seen := map[string]bool{}
		for _, l := range dims[d].Levels {
			seen[l] = true
		}
		var extra []string
		for _, k := range keys {
			if !seen[k[d]] {
				seen[k[d]] = true
				extra = append(extra, k[d])
			}
		}
		sort.Strings(extra)
		dims[d].Levels = append(dims[d].Levels, extra...)
		if q.span && slices.Contains(Periods, dims[d].Name) {
			dims[d].Levels = spanLevels(dims[d].Name, dims[d].Levels, nil)
		}
		if len(dims[d].Levels) == 0 {
			dims[d].Levels = []string{Missing}
		}
	}
	t := disclose.NewTable("people", dims...)
	cells := map[string]*disclose.Cell{}
	for i, m := range members {
		k := strings.Join(keys[i], "\x00")
		c := cells[k]
		if c == nil {
			c = &disclose.Cell{}
			cells[k] = c
		}
		c.Count++
		c.Key += unitKeys.Key(m.EntityID)
		c.IDs = append(c.IDs, m.EntityID)
	}
	for k, c := range cells {
		if err := t.Set(*c, strings.Split(k, "\x00")...); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (e *Engine) districtLevels() []string {
	if e.Geo == nil {
		return nil
	}
	return e.Geo.LADCodes()
}

// districtOf places a member by its index record's district, or by the
// district its LSOA lies in.
func (e *Engine) districtOf(m query.CohortMember) string {
	if m.District != "" {
		return m.District
	}
	if e.Geo != nil && m.LSOA != "" {
		if lad, ok := e.Geo.LADOfLSOA(m.LSOA); ok {
			return lad
		}
	}
	return ""
}

func period(m query.CohortMember, p string) string {
	t := m.IndexDate
	switch p {
	case "year":
		return t.Format("2006")
	case "quarter":
		return t.Format("2006") + "-Q" + string(rune('1'+(int(t.Month())-1)/3))
	}
	return t.Format("2006-01")
}

// RateCell is a published count with its rate per 1,000 residents.
type RateCell struct {
	Levels []string `json:"levels"`
	Count  string   `json:"count"` // as published: a number or [c]
	Rate   *Rate    `json:"rate,omitempty"`
	// VsCounty compares a district's rate with the county's in the same
	// row: higher, lower or similar (95% intervals overlap).
	VsCounty string `json:"vs_county,omitempty"`
	// Denominator is a share's published count of the eligible ([c] when
	// suppressed); "" for a rate per residents.
	Denominator string `json:"denominator,omitempty"`
}

// DistrictRates adds rates per 1,000 residents (ONS mid-year estimates,
// times scale: 1 for real data, the sampled share for a synthetic county
// smaller than Essex) to the published cells of a table grouped by
// district. Rates come only from published counts: a suppressed cell has no
// rate.
func DistrictRates(res *disclose.Result, county *geo.County, scale float64) []RateCell {
	if scale <= 0 {
		scale = 1
	}
	return ratesBy(res, func(code string) float64 {
		if county == nil {
			return 0
		}
		if lad, ok := county.LAD(code); ok {
			return float64(lad.Population) * scale
		}
		if code == disclose.TotalLevel {
			return float64(county.Population()) * scale
		}
		return 0
	})
}

// districtRates adds rates per 1,000 residents of the indicator's
// population (see [Engine.residents]) to the published cells of a table
// grouped by district, over a window of the given years: a year or more
// gives a rate per year.
func (e *Engine) districtRates(res *disclose.Result, ind *Indicator, years float64) []RateCell {
	return ratesBy(res, func(code string) float64 { return e.residents(ind, code) * years })
}

// periodRates adds rates per 1,000 residents to a table with a period
// dimension: per period in each period's cells, and per year averaged
// over the window's years in the margin over the periods (a sum over
// several years divided by one year's residents would overstate it).
func (e *Engine) periodRates(res *disclose.Result, ind *Indicator, years float64) []RateCell {
	pd := slices.IndexFunc(res.Dims, func(x disclose.Dim) bool { return slices.Contains(Periods, x.Name) })
	perPeriod := e.districtRates(res, ind, 1)
	if pd < 0 || years <= 1 {
		return perPeriod
	}
	overall := e.districtRates(res, ind, years)
	for i, c := range perPeriod {
		if c.Levels[pd] == disclose.TotalLevel {
			perPeriod[i] = overall[i]
		}
	}
	return perPeriod
}

// ratesBy adds rates per 1,000 of pop(district) to the published cells of
// a table grouped by district. Rates come only from published counts: a
// suppressed cell has no rate.
func ratesBy(res *disclose.Result, pop func(code string) float64) []RateCell {
	d := slices.IndexFunc(res.Dims, func(x disclose.Dim) bool { return x.Name == DimDistrict })
	var out []RateCell
	for _, c := range res.Cells {
		rc := RateCell{Levels: c.Levels, Count: c.Display()}
		if d >= 0 && !c.Status.Suppressed() {
			if p := pop(c.Levels[d]); p > 0 {
				r := CrudeRate(c.Count, p, 1000)
				rc.Rate = &r
			}
		}
		out = append(out, rc)
	}
	compareWithCounty(out, d)
	return out
}

// compareWithCounty marks each district's rate against the county total of
// the same other levels (e.g. the same month).
func compareWithCounty(cells []RateCell, d int) {
	if d < 0 {
		return
	}
	key := func(c RateCell) string {
		k := append([]string(nil), c.Levels...)
		k[d] = ""
		return strings.Join(k, "\x00")
	}
	county := map[string]*Rate{}
	for _, c := range cells {
		if c.Levels[d] == disclose.TotalLevel && c.Rate != nil {
			county[key(c)] = c.Rate
		}
	}
	for i, c := range cells {
		if c.Rate != nil && c.Levels[d] != disclose.TotalLevel {
			if t := county[key(c)]; t != nil {
				cells[i].VsCounty = Significance(*c.Rate, *t)
			}
		}
	}
}

// linkageRun returns run id, or for 0 the partnership's current (adopted)
// run: figures never read a run merely because it is the latest.
func (e *Engine) linkageRun(ctx context.Context, id int64) (*linkrun.LinkageRun, error) {
	if id == 0 {
		return e.Store.CurrentLinkageRun(ctx)
	}
	return e.Store.LinkageRun(ctx, id)
}
