package insight

import (
	"context"
	"regexp"
	"strconv"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/query"
	"github.com/civiclink/civiclink/internal/query/expr"
)

// yearInName finds a year in a version's source file name.
var yearInName = regexp.MustCompile(`(?:19|20)\d\d`)

// VersionLabel is the period a version of a per-period dataset holds: the
// last year in its source file name (essex_pf42_casualties_2017.csv is
// 2017), else "v" and its number.
func VersionLabel(v *catalog.Version) string {
	if m := yearInName.FindAllString(v.Source, -1); len(m) > 0 {
		return m[len(m)-1]
	}
	return "v" + strconv.Itoa(v.Number)
}

// versionTable counts an indicator whose versions are periods: one access
// decision for the columns it reads, every version's rows (without opted-
// out records) counted under the indicator's filter, optionally by
// district, laid out as one table with a period dimension and passed
// through disclosure control once. When two versions hold the same
// period, the later one counts (a corrected release replaces the first).
func (e *Engine) versionTable(ctx context.Context, u *govern.User, ind *Indicator, byDistrict bool) (*disclose.Result, error) {
	p, err := e.prepareVersions(ctx, u, ind, byDistrict)
	if err != nil {
		return nil, err
	}
	return e.computeVersions(ctx, p)
}

// versionPlan is a per-version indicator decided for one user.
type versionPlan struct {
	u          *govern.User
	ind        *Indicator
	byDistrict bool
	d          *catalog.Dataset
	vs         []*catalog.Version
	spec       query.AggregateSpec
	plan       []dimPlan
	dec        govern.Decision
}

// prepareVersions resolves the versions, asks governance (recording the
// decision) and reads the opted-out records.
func (e *Engine) prepareVersions(ctx context.Context, u *govern.User, ind *Indicator, byDistrict bool) (*versionPlan, error) {
	d, vs, spec, plan, err := e.versionSpec(ctx, ind, byDistrict)
	if err != nil {
		return nil, err
	}
	dec, err := e.Gov.Authorize(ctx, u, govern.Request{Operation: OpAggregate, Purpose: ind.Purpose, Output: govern.Aggregate,
		Reads: []govern.Read{{Dataset: d.ID, Columns: specColumns(spec)}}})
	if err != nil {
		return nil, err
	}
	if spec.Exclude, err = e.excluded(ctx, d.ID, ind.Purpose); err != nil {
		return nil, err
	}
	spec.Keys = true
	return &versionPlan{u: u, ind: ind, byDistrict: byDistrict, d: d, vs: vs, spec: spec, plan: plan, dec: dec}, nil
}

// computeVersions counts a prepared per-version indicator; it asks
// governance nothing.
func (e *Engine) computeVersions(ctx context.Context, p *versionPlan) (*disclose.Result, error) {
	u, ind, d, vs, spec, plan, dec := p.u, p.ind, p.d, p.vs, p.spec, p.plan, p.dec
	if e.Auditor != nil {
		key := e.Auditor.MemberKey()
		spec.Members = &key
	}
	byLabel := map[string][]query.AggregateRow{}
	var labels []string
	for _, v := range vs {
		spec.Version = v
		rows, err := e.Store.RawAggregate(ctx, spec)
		if err != nil {
			return nil, err
		}
		l := VersionLabel(v)
		if _, seen := byLabel[l]; !seen {
			labels = append(labels, l)
		}
		byLabel[l] = foldRows(rows, plan)
	}
	t, err := e.periodTable(ind.VersionPeriod, labels, byLabel, plan)
	if err != nil {
		return nil, err
	}
	return disclose.Apply(ctx, t, e.policy(int64(dec.Threshold), 0, 0, nil), disclose.Options{
		Dataset: d.ID, Query: "trend " + ind.Name + " by " + ind.VersionPeriod, By: u.ID, Ledger: e.Ledger, Auditor: e.Auditor,
		Period: coverage(d.Schema, nil, t),
	})
}

// periodTable lays per-period rows into a table: (district ×) period.
func (e *Engine) periodTable(period string, labels []string, byLabel map[string][]query.AggregateRow, plan []dimPlan) (*disclose.Table, error) {
	pdim := disclose.Dim{Name: period, Levels: labels}
	if len(plan) == 0 {
		t := disclose.NewTable("count", pdim)
		for _, l := range labels {
			c := disclose.Cell{}
			for _, r := range byLabel[l] {
				c.Count += r.Count
				c.Key += r.Key
				if r.Members != nil {
					if c.Members == nil {
						c.Members = disclose.NewDigest()
					}
					c.Members.Add(r.Members)
				}
			}
			if err := t.Set(c, l); err != nil {
				return nil, err
			}
		}
		return t, nil
	}
	seen := map[string]bool{}
	levels := append([]string(nil), plan[0].levels...)
	for _, l := range levels {
		seen[l] = true
	}
	for _, l := range labels {
		for _, r := range byLabel[l] {
			if k := levelOf(r.Keys[0]); !seen[k] {
				seen[k] = true
				levels = append(levels, k)
			}
		}
	}
	t := disclose.NewTable("count", disclose.Dim{Name: DimDistrict, Levels: levels}, pdim)
	for _, l := range labels {
		for _, r := range byLabel[l] {
			if err := t.Set(disclose.Cell{Count: r.Count, Members: r.Members, Key: r.Key}, levelOf(r.Keys[0]), l); err != nil {
				return nil, err
			}
		}
	}
	return t, nil
}

// versionSpec resolves what [Engine.versionTable] reads: the dataset, all
// its versions, the aggregate (by district when asked, under the
// indicator's filter) and its plan. It makes no access decision.
func (e *Engine) versionSpec(ctx context.Context, ind *Indicator, byDistrict bool) (*catalog.Dataset, []*catalog.Version, query.AggregateSpec, []dimPlan, error) {
	if ind.Dataset == "" {
		return nil, nil, query.AggregateSpec{}, nil, fault.Errorf(fault.Internal, "indicator %s: a per-version period needs a dataset", ind.Name)
	}
	d, err := e.Store.Dataset(ctx, ind.Dataset)
	if err != nil {
		return nil, nil, query.AggregateSpec{}, nil, err
	}
	vs, err := e.Store.Versions(ctx, d.ID)
	if err != nil {
		return nil, nil, query.AggregateSpec{}, nil, err
	}
	if len(vs) == 0 {
		return nil, nil, query.AggregateSpec{}, nil, fault.Errorf(fault.NotFound, "dataset %s has no version yet: load one first", d.ID)
	}
	spec := query.AggregateSpec{Schema: d.Schema}
	var plan []dimPlan
	if byDistrict {
		g, p, err := e.districtKey(d.Schema)
		if err != nil {
			return nil, nil, query.AggregateSpec{}, nil, err
		}
		spec.By, plan = []query.GroupKey{g}, []dimPlan{p}
	}
	if ind.Where != "" {
		if spec.Where, err = expr.ParseChecked(ind.Where, d.Schema); err != nil {
			return nil, nil, query.AggregateSpec{}, nil, err
		}
	}
	return d, vs, spec, plan, nil
}
