package insight

import (
	"context"
	"crypto/rand"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/query"
	"github.com/civiclink/civiclink/internal/query/expr"
)

// Missing is the level shown for an empty grouping value.
const Missing = "(missing)"

// Periods are the time groupings of a dataset's event date.
var Periods = []string{"year", "quarter", "month"}

// Governor is what insight asks of governance: may this user read these
// columns for this purpose, and which records have opted out of it.
type Governor interface {
	govern.Authorizer
	Excluded(ctx context.Context, datasetID, purpose string) (map[string]bool, error)
}

// Engine answers aggregate questions. Every read asks the Governor first,
// and every table it returns has passed disclosure control at the
// threshold the governing agreement sets.
type Engine struct {
	Store Source
	Gov   Governor
	// Geo places people in districts and gives populations for rates.
	Geo *geo.County
	// PopulationScale scales the populations behind rates: 1 (or 0) for
	// real data, people/county population for a smaller synthetic county.
	PopulationScale float64
	// Residents, when set, are the synthetic county's own residents by
	// district code: the denominators of its rates, in place of ONS
	// estimates scaled by PopulationScale (see [Engine.residents]).
	Residents map[string]int64
	// Ledger is charged for differentially private tables; nil refuses them.
	Ledger disclose.Ledger
	// Auditor catches differencing between released tables; nil disables
	// the check (tests only).
	Auditor *disclose.Auditor
	// Clock dates privacy-budget periods; nil is the system clock.
	Clock clock.Clock
	// PTable is the perturbation table every count is published through
	// (the cell-key method); nil means [disclose.DefaultPTable].
	PTable *disclose.PTable
	// UnitKeys keys the linked people cohorts count, who have no stored
	// record key; nil means the store's (see [store.Store.UnitKeys]), so
	// every engine over one store keys a person alike.
	UnitKeys *disclose.UnitKeys
}

// defaultPTable is the shipped perturbation table, parsed once.
var defaultPTable = sync.OnceValue(disclose.DefaultPTable)

// processKeys key linked people for an engine with no store secret
// (tests without a store).
var processKeys = sync.OnceValue(func() *disclose.UnitKeys {
	secret := make([]byte, 32)
	rand.Read(secret)
	return disclose.NewUnitKeys(secret)
})

// unitKeys returns the keys linked people are counted under: the
// engine's, else the store's, so every engine over one store keys a
// person alike.
func (e *Engine) unitKeys(ctx context.Context) (*disclose.UnitKeys, error) {
	switch {
	case e.UnitKeys != nil:
		return e.UnitKeys, nil
	case e.Store != nil:
		return e.Store.UnitKeys(ctx)
	}
	return processKeys(), nil
}

// policy is the disclosure control of one table: the agreement's
// threshold (raised, never lowered, by the query), rounding if asked, and
// cell-key perturbation of every count unless the query asks for
// differential privacy instead.
func (e *Engine) policy(threshold, raise, roundTo int64, dp *disclose.DPConfig) disclose.Policy {
	p := disclose.Policy{Threshold: max(threshold, raise), RoundTo: roundTo, DP: dp}
	if dp == nil {
		p.Perturb = e.PTable
		if p.Perturb == nil {
			p.Perturb = defaultPTable()
		}
	}
	return p
}

// AggregateQuery is an ad-hoc aggregate over one dataset.
type AggregateQuery struct {
	Dataset string
	Version int      // 0: the latest
	By      []string // columns, or year/quarter/month of the event date
	Where   string   // filter expression (package expr); "" for all rows
	// Measure is "count" (default), "sum:COLUMN" or "mean:COLUMN".
	Measure string
	// Purpose is the registered purpose the figures serve.
	Purpose string
	// RoundTo rounds published counts (e.g. 5); it can only add protection.
	RoundTo int64
	// Threshold raises (never lowers) the agreement's disclosure threshold.
	Threshold int64
	// DP asks for differentially private counts instead of suppression.
	DP *disclose.DPConfig
	// Period restricts the records to a window of time (a quarter, a
	// year, "12 months to 2023-12", years such as 2018-2023; see
	// [ParseWindow]); [LatestPeriod] picks the default; "" counts every
	// record. The table states its period either way.
	Period string
	// span makes period dimensions contiguous over the data (trends).
	span bool
	// windowOn, for a share indicator, chooses the default period on the
	// records of the share's value (its numerator: the cells its map
	// publishes) rather than on every eligible record, which can reach
	// the threshold in a window where the value's cells are all [c].
	windowOn *Share
	// chooseGrain, for a trend at its default grain, replaces the period
	// dimension in By (a placeholder) with the grain chosen from the data
	// when it is read (see [chooseGrain]).
	chooseGrain bool
}

// OpAggregate is the read operation of ad-hoc aggregates.
const OpAggregate = "insight.aggregate"

// Aggregate runs q for user u and returns its table after disclosure
// control. It is refused, with the reasons, unless governance allows u to
// read the columns q touches for q's purpose.
func (e *Engine) Aggregate(ctx context.Context, u *govern.User, q AggregateQuery) (*disclose.Result, error) {
	a, err := e.prepareAggregate(ctx, u, q)
	if err != nil {
		return nil, err
	}
	return e.computeAggregate(ctx, a)
}

// aggregatePlan is an aggregate decided for one user: what [Engine.prepare]
// resolved and governance allowed, with the user and the query.
type aggregatePlan struct {
	u *govern.User
	q AggregateQuery
	*prepared
}

// prepareAggregate checks q, asks governance (which records the decision)
// and reads the records opted out of q's purpose: everything before the
// data is read.
func (e *Engine) prepareAggregate(ctx context.Context, u *govern.User, q AggregateQuery) (*aggregatePlan, error) {
	pr, err := e.prepare(ctx, u, q)
	if err != nil {
		return nil, err
	}
	return &aggregatePlan{u: u, q: q, prepared: pr}, nil
}

// computeAggregate reads and counts a prepared aggregate and applies
// disclosure control at the decided threshold. It asks governance nothing.
func (e *Engine) computeAggregate(ctx context.Context, a *aggregatePlan) (*disclose.Result, error) {
	res, _, err := e.computeAggregateIn(ctx, a)
	return res, err
}

// computeAggregateIn is [Engine.computeAggregate], also returning the
// window the table covers (nil for a dataset without dates).
func (e *Engine) computeAggregateIn(ctx context.Context, a *aggregatePlan) (*disclose.Result, *Window, error) {
	u, q, pr := a.u, a.q, a.prepared
	spec := pr.spec
	win, err := e.aggregateWindow(ctx, a, &spec)
	if err != nil {
		return nil, nil, err
	}
	if q.chooseGrain {
		counts, areas, err := e.aggregateMonths(ctx, a)
		if err != nil {
			return nil, nil, err
		}
		q, pr, spec = atGrain(q, pr, spec, chooseGrain(pr.span, counts, areas, max(int64(pr.dec.Threshold), q.Threshold)))
	}
	res, err := e.aggregateTable(ctx, u, q, pr, spec, win)
	return res, win, err
}

// aggregateTable counts spec (the plan's, restricted to its window) and
// applies disclosure control at the decided threshold.
func (e *Engine) aggregateTable(ctx context.Context, u *govern.User, q AggregateQuery, pr *prepared, spec query.AggregateSpec, win *Window) (*disclose.Result, error) {
	var err error
	spec.Keys = q.DP == nil
	if e.Auditor != nil {
		if err := e.memberSpec(ctx, &spec, pr.d.ID); err != nil {
			return nil, err
		}
	}
	t, err := e.table(ctx, q, pr, spec)
	if err != nil {
		return nil, err
	}
	if spec.Members != nil {
		t.FillMembers = e.fillMembers(spec, pr.plan, t)
	}
	p := e.policy(int64(pr.dec.Threshold), q.Threshold, q.RoundTo, q.DP)
	ledger := e.Ledger
	if q.DP != nil {
		if ledger, err = e.budgetLedger(ctx, pr.dec, pr.d.ID, q.DP); err != nil {
			return nil, e.refused(ctx, u, pr.req, err)
		}
	}
	period := coverage(pr.d.Schema, pr.v, t)
	if win != nil && !win.whole && !hasPeriodDim(q.By) {
		period = win.ID
	}
	res, err := disclose.Apply(ctx, t, p, disclose.Options{
		Dataset: pr.d.ID, Query: describe(q), By: u.ID, Ledger: ledger, Auditor: e.Auditor,
		Period: period,
	})
	if err != nil {
		return nil, e.refused(ctx, u, pr.req, err)
	}
	return res, nil
}

// prepared is an aggregate query checked, resolved and allowed: its
// dataset and version, store spec (opted-out records excluded), plan,
// measure, the request governance allowed and its decision.
type prepared struct {
	d    *catalog.Dataset
	v    *catalog.Version
	spec query.AggregateSpec
	// span is the complete months the data covers and window the period
	// asked for (nil for every record, or the default, chosen when the
	// data is read); dated is false for a dataset without dates.
	span    Span
	dated   bool
	all     Window
	window  *Window
	plan    []dimPlan
	measure string
	req     govern.Request
	dec     govern.Decision
}

// prepare checks q, asks governance (recording the decision) and resolves
// what to read.
func (e *Engine) prepare(ctx context.Context, u *govern.User, q AggregateQuery) (*prepared, error) {
	d, v, err := e.datasetVersion(ctx, q)
	if err != nil {
		return nil, err
	}
	// A refusal before the decision (a column that identifies records, a
	// noisy table without declared levels) is recorded like any other.
	early := govern.Request{Operation: OpAggregate, Purpose: q.Purpose, Output: govern.Aggregate, Reads: []govern.Read{{Dataset: d.ID}}}
	pr := &prepared{d: d, v: v}
	if pr.spec, pr.plan, pr.measure, err = e.aggregateSpec(d, v, q); err != nil {
		return nil, e.refused(ctx, u, early, err)
	}
	if d.Schema.Accumulates {
		if pr.spec.Versions, err = readVersions(ctx, e.Store, d, q.Version); err != nil {
			return nil, err
		}
	}
	if q.DP != nil {
		if err := e.declarePlan(d.Schema, pr.spec, pr.plan); err != nil {
			return nil, e.refused(ctx, u, early, err)
		}
	}
	cols := specColumns(pr.spec)
	if err := e.preparePeriod(q, pr); err != nil {
		return nil, e.refused(ctx, u, early, err)
	}
	if ev := eventColumn(d.Schema); q.Period != "" && ev != nil && !slices.Contains(cols, ev.Name) {
		cols = append(cols, ev.Name) // the window filters on it
	}
	pr.req = govern.Request{Operation: OpAggregate, Purpose: q.Purpose, Output: govern.Aggregate,
		Reads: []govern.Read{{Dataset: d.ID, Columns: cols}}}
	if q.DP != nil {
		pr.req.Epsilon, pr.req.Delta = q.DP.Epsilon, q.DP.Delta
	}
	if pr.dec, err = e.Gov.Authorize(ctx, u, pr.req); err != nil {
		return nil, err
	}
	if pr.spec.Exclude, err = e.excluded(ctx, d.ID, q.Purpose); err != nil {
		return nil, err
	}
	return pr, nil
}

// table runs spec and lays its rows into the query's table.
func (e *Engine) table(ctx context.Context, q AggregateQuery, pr *prepared, spec query.AggregateSpec) (*disclose.Table, error) {
	rows, err := e.Store.RawAggregate(ctx, spec)
	if err != nil {
		return nil, err
	}
	if q.span {
		spanPlan(spec, pr.plan, rows)
	}
	rows = foldRows(rows, pr.plan)
	if q.DP != nil {
		rows = clampRows(rows, pr.plan)
	}
	return buildTable(pr.d.Schema, spec, pr.plan, rows, pr.measure)
}

// refused records, when the governor can, that disclosure control or the
// privacy budget refused req after governance allowed it (a refusal is
// a fault.Disclosure or fault.Forbidden error), and returns err.
func (e *Engine) refused(ctx context.Context, u *govern.User, req govern.Request, err error) error {
	if c := fault.Code(err); c != fault.Disclosure && c != fault.Forbidden {
		return err
	}
	r, ok := e.Gov.(govern.Refuser)
	if !ok {
		return err
	}
	stage := govern.StageDisclosure
	if strings.Contains(fault.Message(err), "privacy budget") {
		stage = govern.StageBudget
	}
	return r.Refused(ctx, u, req, stage, err)
}

// excluded lists the records opted out of purpose.
func (e *Engine) excluded(ctx context.Context, dataset, purpose string) ([]string, error) {
	m, err := e.Gov.Excluded(ctx, dataset, purpose)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	sort.Strings(out)
	return out, nil
}

// specColumns are the columns an aggregate reads: its groups, its filter
// and its measure.
func specColumns(spec query.AggregateSpec) []string {
	seen := map[string]bool{}
	var out []string
	add := func(c string) {
		if c != "" && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	for _, g := range spec.By {
		add(g.Column)
	}
	if spec.Where != nil {
		for _, c := range expr.Columns(spec.Where) {
			add(c)
		}
	}
	add(spec.SumColumn)
	return out
}

// dimPlan says how one requested dimension is made from a grouping key:
// its name, how raw keys fold into its levels (nil: as they are), and its
// fixed levels (nil: the values found).
type dimPlan struct {
	name   string
	fold   func(string) string
	levels []string
}

// aggregateSpec checks q against the dataset and turns it into a store spec
// and a plan for the table's dimensions.
func (e *Engine) aggregateSpec(d *catalog.Dataset, v *catalog.Version, q AggregateQuery) (query.AggregateSpec, []dimPlan, string, error) {
	spec := query.AggregateSpec{Version: v, Schema: d.Schema}
	if len(q.By) == 0 {
		return spec, nil, "", fault.FieldErrorf(fault.Invalid, "by", "say what to group by, e.g. %s", suggestBy(d.Schema))
	}
	var plan []dimPlan
	for _, b := range q.By {
		b = strings.TrimSpace(b)
		if strings.EqualFold(b, DimLSOA) {
			g, p, err := e.lsoaKey(d.Schema)
			if err != nil {
				return spec, nil, "", err
			}
			spec.By, plan = append(spec.By, g), append(plan, p)
			continue
		}
		if strings.EqualFold(b, DimDistrict) {
			g, p, err := e.districtKey(d.Schema)
			if err != nil {
				return spec, nil, "", err
			}
			spec.By, plan = append(spec.By, g), append(plan, p)
			continue
		}
		g, err := groupKey(d.Schema, b)
		if err != nil {
			return spec, nil, "", err
		}
		spec.By, plan = append(spec.By, g), append(plan, dimPlan{name: dimName(g)})
	}
	if q.Where != "" {
		n, err := expr.ParseChecked(q.Where, d.Schema)
		if err != nil {
			return spec, nil, "", err
		}
		spec.Where = n
	}
	if err := nearlyUnique(d.Schema, v, specColumns(spec)); err != nil {
		return spec, nil, "", err
	}
	measure := "count"
	switch m := q.Measure; {
	case m == "" || m == "count":
	case strings.HasPrefix(m, "sum:") || strings.HasPrefix(m, "mean:"):
		col, ok := d.Schema.Column(m[strings.Index(m, ":")+1:])
		if !ok || (col.Type != catalog.TypeInteger && col.Type != catalog.TypeDecimal) {
			return spec, nil, "", fault.Errorf(fault.Invalid, "measure %s: the dataset has no numeric column of that name", m)
		}
		spec.SumColumn, measure = col.Name, m[:strings.Index(m, ":")]
	default:
		return spec, nil, "", fault.Errorf(fault.Invalid, "unknown measure %q: use count, sum:COLUMN or mean:COLUMN", m)
	}
	return spec, plan, measure, nil
}

// districtKey groups by the dataset's district code, or by its LSOA folded
// into districts; the levels are every district of the county.
func (e *Engine) districtKey(sc *catalog.Schema) (query.GroupKey, dimPlan, error) {
	p := dimPlan{name: DimDistrict}
	if e.Geo != nil {
		p.levels = e.Geo.LADCodes()
	}
	for _, c := range sc.Columns {
		if c.Type == catalog.TypeDistrict {
			return query.GroupKey{Column: c.Name}, p, nil
		}
	}
	for _, c := range sc.Columns {
		if c.Type == catalog.TypeLSOA && e.Geo != nil {
			p.fold = func(lsoa string) string {
				lad, _ := e.Geo.LADOfLSOA(lsoa)
				return lad
			}
			return query.GroupKey{Column: c.Name}, p, nil
		}
	}
	return query.GroupKey{}, p, fault.Errorf(fault.Invalid, "cannot group by district: the dataset has no district or LSOA column")
}

// DimLSOA groups by the dataset's 2021 LSOA column, as it is (no folding):
// the maps' drill-down from a district to its LSOAs.
const DimLSOA = "lsoa"

// lsoaKey groups by the dataset's LSOA column; the levels are every 2021
// LSOA of the county (so an LSOA with no records shows a true zero), then
// any other codes found (2011 codes, places outside the county).
func (e *Engine) lsoaKey(sc *catalog.Schema) (query.GroupKey, dimPlan, error) {
	p := dimPlan{name: DimLSOA}
	if e.Geo != nil {
		p.levels = make([]string, len(e.Geo.LSOAs))
		for i := range e.Geo.LSOAs {
			p.levels[i] = e.Geo.LSOAs[i].Code
		}
	}
	for _, c := range sc.Columns {
		if c.Type == catalog.TypeLSOA {
			return query.GroupKey{Column: c.Name}, p, nil
		}
	}
	return query.GroupKey{}, p, fault.Errorf(fault.Invalid, "cannot group by LSOA: the dataset has no LSOA column (districts only)")
}

// foldRows maps raw keys through the plan's folds and merges cells that
// land on the same levels.
func foldRows(rows []query.AggregateRow, plan []dimPlan) []query.AggregateRow {
	folding := false
	for _, p := range plan {
		folding = folding || p.fold != nil
	}
	if !folding {
		return rows
	}
	merged := map[string]*query.AggregateRow{}
	var order []string
	for _, r := range rows {
		keys := make([]string, len(r.Keys))
		for i, k := range r.Keys {
			keys[i] = k
			if plan[i].fold != nil && k != "" {
				keys[i] = plan[i].fold(k)
			}
		}
		id := strings.Join(keys, "\x00")
		m := merged[id]
		if m == nil {
			m = &query.AggregateRow{Keys: keys}
			merged[id] = m
			order = append(order, id)
		}
		m.Count += r.Count
		m.Key += r.Key
		m.Sum += r.Sum
		m.IDs = append(m.IDs, r.IDs...)
		if r.Members != nil {
			if m.Members == nil {
				m.Members = disclose.NewDigest()
			}
			m.Members.Add(r.Members)
		}
		m.Top = topTwo(append(m.Top, r.Top...))
	}
	out := make([]query.AggregateRow, len(order))
	for i, id := range order {
		out[i] = *merged[id]
	}
	return out
}

// topTwo keeps the two largest values, largest first.
func topTwo(v []float64) []float64 {
	sort.Sort(sort.Reverse(sort.Float64Slice(v)))
	return v[:min(2, len(v))]
}

// groupKey resolves one --by entry: a period of the event date, or a
// column that does not identify records.
func groupKey(sc *catalog.Schema, b string) (query.GroupKey, error) {
	for _, p := range Periods {
		if strings.EqualFold(b, p) {
			for _, c := range sc.Columns {
				if c.Role == catalog.RoleEventDate {
					return query.GroupKey{Column: c.Name, Period: p}, nil
				}
			}
			return query.GroupKey{}, fault.Errorf(fault.Invalid, "cannot group by %s: the dataset has no event-date column", p)
		}
	}
	c, ok := sc.Column(b)
	if !ok {
		return query.GroupKey{}, fault.Errorf(fault.Invalid, "cannot group by %q: no such column (try %s, or year, quarter, month)", b, suggestBy(sc))
	}
	switch {
	case expr.Forbidden(c) != "":
		return query.GroupKey{}, fault.Errorf(fault.Forbidden, "cannot group by %s: %s", expr.Forbidden(c), expr.RuleSinglesOut)
	case c.Type == catalog.TypeDecimal || c.Type == catalog.TypeDatetime:
		return query.GroupKey{}, fault.Errorf(fault.Invalid, "cannot group by %s: a %s column has too many distinct values to publish; group by a category, code or period", c.Name, c.Type)
	}
	return query.GroupKey{Column: c.Name}, nil
}

func suggestBy(sc *catalog.Schema) string {
	var s []string
	for _, c := range sc.Columns {
		if c.Type == catalog.TypeCategory || c.Type == catalog.TypeDistrict || c.Type == catalog.TypeLSOA {
			s = append(s, c.Name)
		}
	}
	if len(s) == 0 {
		return "month"
	}
	return strings.Join(s, ", ")
}

// buildTable lays raw cells into a full table: every level of every
// dimension (all codes of a category), zeros where nothing was counted.
func buildTable(sc *catalog.Schema, spec query.AggregateSpec, plan []dimPlan, rows []query.AggregateRow, measure string) (*disclose.Table, error) {
	dims := make([]disclose.Dim, len(spec.By))
	for i, g := range spec.By {
		dims[i] = disclose.Dim{Name: plan[i].name, Levels: levels(sc, g, plan[i].levels, rows, i)}
		if len(dims[i].Levels) == 0 {
			return nil, fault.Errorf(fault.NotFound, "there are no records to count by %s: nothing the filter keeps has one", dims[i].Name)
		}
	}
	t := disclose.NewTable(measure, dims...)
	if spec.SumColumn != "" {
		t.SumName = spec.SumColumn
	}
	for _, r := range rows {
		keys := make([]string, len(r.Keys))
		for i, k := range r.Keys {
			keys[i] = levelOf(k)
		}
		c := disclose.Cell{Count: r.Count, Sum: r.Sum, Top: r.Top, IDs: r.IDs, Members: r.Members, Key: r.Key}
		if err := t.Set(c, keys...); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func dimName(g query.GroupKey) string {
	if g.Period != "" {
		return g.Period
	}
	return g.Column
}

func levelOf(k string) string {
	if k == "" {
		return Missing
	}
	return k
}

// levels are a dimension's levels: a category's codes in schema order,
// otherwise the values found, sorted (periods sort in time order).
func levels(sc *catalog.Schema, g query.GroupKey, fixed []string, rows []query.AggregateRow, i int) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range fixed {
		seen[l] = true
		out = append(out, l)
	}
	if c, ok := sc.Column(g.Column); ok && c.Type == catalog.TypeCategory && g.Period == "" {
		for _, code := range c.Codes {
			if !seen[code.Value] {
				seen[code.Value] = true
				out = append(out, code.Value)
			}
		}
	}
	var extra []string
	for _, r := range rows {
		if l := levelOf(r.Keys[i]); !seen[l] {
			seen[l] = true
			extra = append(extra, l)
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}

func describe(q AggregateQuery) string {
	s := "aggregate " + q.Dataset + " by " + strings.Join(q.By, ",")
	if q.Where != "" {
		s += " where " + q.Where
	}
	if q.Measure != "" {
		s += " measure " + q.Measure
	}
	return s
}

// nearlyUnique refuses a query that filters or groups on a column the
// version's statistics show to be nearly unique (see [expr.NearlyUnique]).
func nearlyUnique(sc *catalog.Schema, v *catalog.Version, cols []string) error {
	if v == nil || v.Quality == nil {
		return nil
	}
	for _, name := range cols {
		c, ok := sc.Column(name)
		if !ok {
			continue
		}
		for i := range v.Quality.Columns {
			if q := &v.Quality.Columns[i]; strings.EqualFold(q.Name, c.Name) {
				if why := expr.NearlyUnique(c, q); why != "" {
					return fault.Errorf(fault.Forbidden, "cannot filter or group on %s: %s", why, expr.RuleSinglesOut)
				}
			}
		}
	}
	return nil
}

// coverage is the period a table's figures cover, for its protection
// note: the first to the last level of its period dimension, or else the
// span of the version's event dates.
func coverage(sc *catalog.Schema, v *catalog.Version, t *disclose.Table) string {
	for _, d := range t.Dims {
		if slices.Contains(Periods, d.Name) && len(d.Levels) > 0 {
			first, last := d.Levels[0], d.Levels[len(d.Levels)-1]
			if last == Missing && len(d.Levels) > 1 {
				last = d.Levels[len(d.Levels)-2]
			}
			if first == last {
				return first
			}
			return first + " to " + last
		}
	}
	if v == nil || v.Quality == nil {
		return ""
	}
	for _, c := range sc.Columns {
		if c.Role != catalog.RoleEventDate {
			continue
		}
		for _, q := range v.Quality.Columns {
			if strings.EqualFold(q.Name, c.Name) && q.Min != "" {
				return dateOnly(q.Min) + " to " + dateOnly(q.Max)
			}
		}
	}
	return ""
}

// dateOnly trims a time of day from a date's text.
func dateOnly(s string) string {
	if i := strings.IndexByte(s, ' '); i > 0 {
		return s[:i]
	}
	return s
}

// AggregateReads returns what q reads: its dataset and exactly the columns
// touched. It asks governance nothing and reads no record, so a room that
// keeps a figure for checking (a report output) can name its reads.
func (e *Engine) AggregateReads(ctx context.Context, q AggregateQuery) ([]govern.Read, error) {
	d, v, err := e.datasetVersion(ctx, q)
	if err != nil {
		return nil, err
	}
	spec, _, _, err := e.aggregateSpec(d, v, q)
	if err != nil {
		return nil, err
	}
	return []govern.Read{{Dataset: d.ID, Columns: specColumns(spec)}}, nil
}

// datasetVersion returns the dataset q reads and the version it asks for.
func (e *Engine) datasetVersion(ctx context.Context, q AggregateQuery) (*catalog.Dataset, *catalog.Version, error) {
	d, err := e.Store.Dataset(ctx, q.Dataset)
	if err != nil {
		return nil, nil, err
	}
	v, err := e.Store.Version(ctx, d.ID, q.Version)
	return d, v, err
}
