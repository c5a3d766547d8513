package insight

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// Release is one figure prepared for one user: governance's decision,
// asked (and recorded on the audit log) once, and Key, which names
// everything that determines the figure: the indicator or query, its
// dimensions and purpose, the dataset versions (and linkage run) it reads,
// the disclosure threshold and rounding, and the opted-out records left
// out. Two releases with the same key are the same figure, so a cache of
// published figures keyed by it may answer a later view, prepared again
// (one decision, one audit entry), without computing anything; nothing
// outside insight decides access for it. Compute a release with
// [Engine.ComputeAggregate] or [Engine.ComputeIndicator].
type Release struct {
	// Key identifies the figure; "" when it must not be reused (a
	// differentially private table spends budget on every release).
	Key string
	// Decision is governance's answer; its Threshold is the agreement's.
	Decision govern.Decision

	ind    *Indicator
	agg    *aggregatePlan
	coh    *cohortPlan
	ver    *versionPlan // a trend of a per-version indicator
	period string       // a trend's period; "" for a table
}

// PrepareAggregate decides q for u (one decision, recorded) and returns
// its release.
func (e *Engine) PrepareAggregate(ctx context.Context, u *govern.User, q AggregateQuery) (*Release, error) {
	a, err := e.prepareAggregate(ctx, u, q)
	if err != nil {
		return nil, err
	}
	return &Release{Key: a.key(), Decision: a.dec, agg: a}, nil
}

// ComputeAggregate computes a release of [Engine.PrepareAggregate]. It
// asks governance nothing: the release carries the decision.
func (e *Engine) ComputeAggregate(ctx context.Context, r *Release) (*disclose.Result, error) {
	if r == nil || r.agg == nil {
		return nil, fmt.Errorf("insight: not an aggregate release")
	}
	return e.computeAggregate(ctx, r.agg)
}

// PrepareIndicator decides computing ind by the given dimensions for u
// (one decision, recorded) and returns its release. Without a period
// dimension the figure covers the default period ([LatestPeriod]).
func (e *Engine) PrepareIndicator(ctx context.Context, u *govern.User, ind *Indicator, by []string) (*Release, error) {
	return e.prepareIndicator(ctx, u, ind, by, "", false)
}

// PrepareIndicatorPeriod is [Engine.PrepareIndicator] for the period
// named (see [ParseWindow]; "" or [LatestPeriod] for the default). A
// period the data does not cover is refused with the choices that exist.
func (e *Engine) PrepareIndicatorPeriod(ctx context.Context, u *govern.User, ind *Indicator, by []string, period string) (*Release, error) {
	return e.prepareIndicator(ctx, u, ind, by, period, false)
}

func (e *Engine) prepareIndicator(ctx context.Context, u *govern.User, ind *Indicator, by []string, period string, span bool) (*Release, error) {
	if len(by) == 0 {
		by = []string{DimDistrict}
	}
	if period == "" && !span {
		period = LatestPeriod
	}
	if ind.Cohort != "" {
		c, err := FindCohort(ind.Cohort)
		if err != nil {
			return nil, err
		}
		p, err := e.prepareCohort(ctx, u, CohortQuery{Cohort: c, By: by, Purpose: ind.Purpose, Period: period, span: span}, govern.Aggregate, OpCohort)
		if err != nil {
			return nil, err
		}
		return &Release{Key: "indicator " + ind.Name + "\x00" + p.key(), Decision: p.dec, ind: ind, coh: p}, nil
	}
	if ind.Share != nil {
		by = append(slices.Clone(by), ind.Share.Column) // the value's cells and their margin, the eligible
	}
	a, err := e.prepareAggregate(ctx, u, AggregateQuery{Dataset: ind.Dataset, Where: ind.Where, By: by, Purpose: ind.Purpose, Period: period, span: span, windowOn: ind.Share})
	if err != nil {
		return nil, err
	}
	return &Release{Key: "indicator " + ind.Name + "\x00" + a.key(), Decision: a.dec, ind: ind, agg: a}, nil
}

// Periods are the periods a user may choose for the release's figure,
// latest first (see [Span.Choices]); none for data without dates.
func (r *Release) Periods() []Window {
	switch {
	case r == nil:
		return nil
	case r.agg != nil && r.agg.dated:
		return r.agg.span.Choices()
	case r.coh != nil && r.coh.dated:
		return r.coh.span.Choices()
	}
	return nil
}

// ComputeIndicator computes a release of [Engine.PrepareIndicator], with
// rates per 1,000 residents. It asks governance nothing.
func (e *Engine) ComputeIndicator(ctx context.Context, r *Release) (*IndicatorTable, error) {
	if r == nil || r.ind == nil {
		return nil, fmt.Errorf("insight: not an indicator release")
	}
	var (
		res *disclose.Result
		win *Window
		by  []string
		err error
	)
	if r.coh != nil {
		res, win, err = e.computeCohortIn(ctx, r.coh)
		by = r.coh.q.By
	} else {
		res, win, err = e.computeAggregateIn(ctx, r.agg)
		by = r.agg.q.By
	}
	if err != nil {
		return nil, err
	}
	t := &IndicatorTable{Indicator: r.ind, Result: res, Protection: disclose.ProtectionJSON(res.Protection), Unit: "per 1,000 residents"}
	years := 1.0
	if win != nil {
		t.Period = res.Protection.Period
		switch {
		case !hasPeriodDim(by) && win.whole:
			// Every record: the rates are per year over the months
			// the data spans (a partial month counts whole).
			t.Unit, years = "per 1,000 residents", win.Years()
			if years > 1 {
				t.Unit = "per 1,000 residents a year (the yearly average over " + t.Period + ")"
			}
		case !hasPeriodDim(by):
			t.Window, t.Unit, years = win, win.Unit, win.Years()
		default:
			t.Unit = "per 1,000 residents in each period (a year, averaged over " + t.Period + ", in the total over periods)"
			if years = win.Years(); years <= 1 {
				t.Unit = "per 1,000 residents in each period"
			}
		}
	}
	if r.ind.Share != nil {
		t.full, t.Result = res, shareTable(res, r.ind.Share)
		t.Unit = "% of " + r.ind.Share.Of
		if t.Period != "" {
			t.Unit += " in " + t.Period
		}
		t.Cells = shareRates(t.full, t.Result, r.ind.Share)
		return t, nil
	}
	if win != nil && hasPeriodDim(by) {
		t.Cells = e.periodRates(res, r.ind, years)
	} else {
		t.Cells = e.districtRates(res, r.ind, years)
	}
	return t, nil
}

// PrepareTrend decides q for u (one decision, recorded) and returns its
// release; it fails as [Engine.Trend] would before reading any data.
func (e *Engine) PrepareTrend(ctx context.Context, u *govern.User, q TrendQuery) (*Release, error) {
	ind := q.Indicator
	if ind == nil {
		return nil, fault.Errorf(fault.Invalid, "no indicator given")
	}
	period, err := trendPeriod(ind, q.Period)
	if err != nil {
		return nil, err
	}
	if ind.VersionPeriod != "" {
		p, err := e.prepareVersions(ctx, u, ind, q.ByDistrict)
		if err != nil {
			return nil, err
		}
		return &Release{Key: "trend " + ind.Name + "\x00" + p.key(), Decision: p.dec, ind: ind, ver: p, period: period}, nil
	}
	var by []string
	if q.ByDistrict {
		by = append(by, DimDistrict)
	}
	grain := period
	if period == DefaultGrain {
		grain = "month" // a placeholder: the grain is chosen when the data is read
	}
	r, err := e.prepareIndicator(ctx, u, ind, append(by, grain), "", true)
	if err != nil {
		return nil, err
	}
	r.Key, r.period = "trend\x00"+r.Key, period
	if period == DefaultGrain {
		r.Key = "default grain\x00" + r.Key
		if r.agg != nil {
			r.agg.q.chooseGrain = true
		} else {
			r.coh.q.chooseGrain = true
		}
	}
	return r, nil
}

// ComputeTrend computes a release of [Engine.PrepareTrend]: rates and a
// trend test per area from the published cells only. It asks governance
// nothing.
func (e *Engine) ComputeTrend(ctx context.Context, r *Release) (*Trend, error) {
	if r == nil || r.ind == nil || r.period == "" {
		return nil, fmt.Errorf("insight: not a trend release")
	}
	var res *disclose.Result
	if r.ver != nil {
		var err error
		if res, err = e.computeVersions(ctx, r.ver); err != nil {
			return nil, err
		}
	} else {
		t, err := e.ComputeIndicator(ctx, r)
		if err != nil {
			return nil, err
		}
		res = t.Result
		if t.full != nil {
			res = t.full // a share's trend needs its eligible counts
		}
	}
	period := r.period
	if period == DefaultGrain { // the grain chosen: the table's period dimension
		for _, d := range res.Dims {
			if slices.Contains(Periods, d.Name) {
				period = d.Name
			}
		}
	}
	return e.trendOf(r.ind, period, res), nil
}

// key names a per-version release: the indicator, grouping, every version
// read, the threshold and the opted-out records.
func (p *versionPlan) key() string {
	var b strings.Builder
	fmt.Fprintf(&b, "versions %s\x00%s\x00district=%t\x00threshold=%d\x00", p.d.ID, p.ind.Purpose, p.byDistrict, p.dec.Threshold)
	for _, v := range p.vs {
		fmt.Fprintf(&b, "%d,", v.ID)
	}
	b.WriteString("\x00excluded=" + digest(p.spec.Exclude))
	return b.String()
}

// key names an aggregate release: its query and dimensions, the versions
// it reads, the threshold and rounding, the opted-out records. A
// differentially private aggregate has no key.
func (a *aggregatePlan) key() string {
	if a.q.DP != nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "aggregate %s\x00%s\x00%s\x00%s\x00%s\x00span=%t\x00period=%s", a.d.ID, strings.Join(a.q.By, ","), a.q.Where, a.q.Measure, a.q.Purpose, a.q.span, a.q.Period)
	fmt.Fprintf(&b, "\x00threshold=%d\x00round=%d\x00versions=%d", max(int64(a.dec.Threshold), a.q.Threshold), a.q.RoundTo, a.spec.Version.ID)
	for _, v := range a.spec.Versions {
		fmt.Fprintf(&b, ",%d", v.ID)
	}
	b.WriteString("\x00excluded=" + digest(a.spec.Exclude))
	if sh := a.q.windowOn; sh != nil {
		fmt.Fprintf(&b, "\x00window-on=%s=%s", sh.Column, sh.Value)
	}
	return b.String()
}

// key names a cohort release: the cohort, dimensions and purpose, the
// linkage run, each source's versions and opted-out records, the
// threshold and rounding.
func (c *cohortPlan) key() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cohort %s\x00%s\x00%s\x00span=%t\x00period=%s\x00run=%d", c.q.Cohort.Name, strings.Join(c.q.By, ","), c.q.Purpose, c.q.span, c.q.Period, c.spec.RunID)
	fmt.Fprintf(&b, "\x00threshold=%d\x00round=%d", max(int64(c.dec.Threshold), c.q.Threshold), c.q.RoundTo)
	for _, s := range c.spec.Sources {
		fmt.Fprintf(&b, "\x00%s=%d", s.Name, s.Version.ID)
		for _, v := range s.Versions {
			fmt.Fprintf(&b, ",%d", v.ID)
		}
		b.WriteString(" excluded=" + digest(s.Exclude))
	}
	return b.String()
}

// digest is a short fingerprint of a sorted list of record ids.
func digest(ids []string) string {
	h := sha256.New()
	for _, id := range ids {
		h.Write([]byte(id))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
