package disclose

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/disclose/noise"
	"github.com/civiclink/civiclink/internal/fault"
)

// Options carries what [Apply] needs beyond the table and policy: where to
// charge a privacy budget and what earlier releases to compare against.
type Options struct {
	// Dataset scopes the budget and the differencing audit; required with
	// a Ledger or an Auditor.
	Dataset string
	// Query describes the table for the budget ledger; By names who asked.
	Query, By string
	// Ledger is charged for differentially private tables.
	Ledger Ledger
	// Auditor, when set and the table's cells carry ids, withholds cells
	// that differ from earlier releases by fewer than the threshold units
	// and remembers this table's published cells.
	Auditor *Auditor
	// Random is the noise source; nil means crypto/rand. Only tests pass
	// a seeded one.
	Random noise.Source
	// Clock stamps ledger entries; nil means the system clock.
	Clock clock.Clock
	// Period is the time the figures cover, published with them (see
	// [Protection]).
	Period string
}

// Apply returns t after disclosure control under p: the only way an
// aggregate leaves the engine. With p.Perturb (the engine's default) every
// count, margins included, is perturbed by the cell-key method and counts
// still under the threshold are withheld. Without it, it suppresses small
// counts (primary) and complementary cells so no withheld one can be
// worked out from totals (secondary), then rounds what is shown. Either
// way dominated sums are withheld, and when o.Auditor and cell ids are
// given the differencing audit may withhold the table whole: under
// perturbation when it would expose the difference of two near
// populations more often than the perturbation protects
// ([PTable.ExposureBudget]), under suppression when any cell differs by a
// few units from an earlier release. With p.DP it charges o.Ledger and
// publishes noisy counts instead.
func Apply(ctx context.Context, t *Table, p Policy, o Options) (*Result, error) {
	if err := t.validate(); err != nil {
		return nil, err
	}
	if err := p.validate(t); err != nil {
		return nil, err
	}
	if (o.Ledger != nil || o.Auditor != nil) && o.Dataset == "" {
		return nil, fault.Errorf(fault.Invalid, "a budget ledger or release audit needs the dataset the table comes from")
	}
	if p.DP != nil {
		r, err := applyDP(ctx, t, p, o)
		if err == nil {
			r.Protection = p.protection(o, r)
		}
		return r, err
	}
	c := newControl(newGrid(t), p.threshold())
	c.names = dimNames(t)
	if p.Perturb != nil {
		// Perturb first: a cell withheld anyway is no differencing pair.
		c.keys = cellKeys(t, c.g)
		c.dominance(p)
		c.perturb(p)
	} else {
		c.primary(p)
	}
	var pops, bases, exposed []*Digest
	if o.Auditor != nil && hasMembers(t) {
		o.Auditor.mu.Lock()
		defer o.Auditor.mu.Unlock()
		var err error
		if pops, bases, exposed, err = c.audit(ctx, t, o, p.Perturb); err != nil {
			return nil, err
		}
	}
	checked, shownAs := true, Rounded
	if p.Perturb != nil {
		shownAs = Perturbed
	} else {
		checked = c.secondary()
	}
	r := c.result(t, p, shownAs)
	c.recordReleased(o.Auditor, o.Dataset, pops)
	c.recordReleased(o.Auditor, baseKey(o.Dataset), bases)
	if !c.withheldWhole {
		for _, x := range exposed {
			o.Auditor.expose(o.Dataset, x)
		}
	}
	if o.Auditor != nil {
		if err := o.Auditor.flush(ctx); err != nil {
			return nil, err
		}
	}
	r.Report = c.report(t, p, r, reportNotes{exactChecked: checked, audited: pops != nil, auditWanted: o.Auditor != nil})
	r.Protection = p.protection(o, r)
	return r, nil
}

// audit runs the differencing check against o.Auditor's releases and
// returns the populations (and bases) to record, and under perturbation
// (pt not nil) the differences the table exposes. The caller holds the
// auditor's lock.
func (c *control) audit(ctx context.Context, t *Table, o Options, pt *PTable) (pops, bases, exposed []*Digest, err error) {
	for _, key := range []string{o.Dataset, baseKey(o.Dataset), exposedKey(o.Dataset)} {
		if err := o.Auditor.load(ctx, key); err != nil {
			return nil, nil, nil, err
		}
	}
	key := o.Auditor.key
	of := func(c Cell) *Digest {
		if c.Members != nil {
			return c.Members
		}
		return DigestOf(key, c.IDs)
	}
	pops = c.digests(t, of)
	if c.needBuckets(o.Auditor, o.Dataset, pops) {
		if t.FillMembers == nil {
			return nil, nil, nil, fault.Errorf(fault.Internal, "cell populations came without the detail the differencing check needs")
		}
		if err := t.FillMembers(ctx); err != nil {
			return nil, nil, nil, fault.Wrap(err, fault.Internal, "cannot digest the cells' populations for the differencing check; the figures are withheld")
		}
		pops = c.digests(t, of)
	}
	var near bool
	why := fmt.Sprintf("differencing: a cell of this table counts a population that differs from one released earlier by fewer than %d units; the whole table is withheld, so the refusal does not say which cell", c.th)
	if pt != nil {
		budget := pt.ExposureBudget()
		exposed, near = c.exposures(o.Auditor, o.Dataset, pops, pt)
		why = fmt.Sprintf("differencing: publishing this table would expose the difference between a population and one released earlier (fewer than %d units apart) more than %d times, which lets the perturbation be averaged away; the whole table is withheld, so the refusal does not say which cell", c.th, budget)
	} else {
		near = c.differencing(o.Auditor, o.Dataset, pops)
	}
	if hasBases(t) {
		bases = c.digests(t, func(c Cell) *Digest { return DigestOf(key, c.Base) })
		near = near || c.differencing(o.Auditor, baseKey(o.Dataset), bases)
	}
	if near {
		c.withholdAll(RuleDifferencing, why)
	}
	return pops, bases, exposed, nil
}

// exposures returns the differences publishing the table's shown cells
// would expose: for each distinct new population, the difference from
// every released population near it ([Auditor.differences]). over says
// some difference would then have been exposed more than budget times
// (counting this table's own), or a near population cannot be
// differenced: the table must be withheld. Cells with the same
// population publish the same figure, so they expose it once. Under a
// table that keeps zeros at zero (the shipped one), an empty cell exposes
// nothing: it publishes 0 exactly, so beside a released population it
// tells no more than that population's own published figure. The caller
// holds a.mu.
func (c *control) exposures(a *Auditor, dataset string, ds []*Digest, pt *PTable) (ex []*Digest, over bool) {
	budget, zeroStays := pt.ExposureBudget(), pt.ZeroStays()
	done := map[[2]uint64]bool{}
	here := map[[2]uint64]int{}
	for e, d := range ds {
		k := [2]uint64{d.Units, d.Sum}
		if c.suppressed(e) || done[k] || (d.Units == 0 && zeroStays) {
			continue
		}
		done[k] = true
		diffs, unknown := a.differences(dataset, d, int(c.th))
		if unknown {
			return nil, true
		}
		for _, x := range diffs {
			xk := [2]uint64{x.Units, x.Sum}
			here[xk]++
			if a.exposed(dataset, x)+here[xk] > budget {
				return nil, true
			}
			ex = append(ex, x)
		}
	}
	return ex, false
}

func dimNames(t *Table) []string {
	out := make([]string, len(t.Dims))
	for i, d := range t.Dims {
		out[i] = d.Name
	}
	return out
}

// baseKey is where the auditor keeps a dataset's released bases.
func baseKey(dataset string) string { return dataset + "\x00base" }

func hasBases(t *Table) bool {
	for _, c := range t.Cells {
		if c.Base == nil {
			return false
		}
	}
	return true
}

// recordReleased remembers the digests of the published cells. The caller
// holds a.mu.
func (c *control) recordReleased(a *Auditor, key string, ds []*Digest) {
	for e, d := range ds {
		if !c.suppressed(e) {
			a.record(key, d)
		}
	}
}

// hasMembers reports whether every counted cell says who it counts, by
// ids or by a digest.
func hasMembers(t *Table) bool {
	for _, c := range t.Cells {
		if c.Members == nil && c.IDs == nil && c.Count > 0 {
			return false
		}
	}
	return true
}

// digests returns the digest of each extended cell: of's for interior
// cells, and for a margin the sum of its interior cells' (a table is
// additive, so a margin's population is their disjoint union).
func (c *control) digests(t *Table, of func(Cell) *Digest) []*Digest {
	ds := make([]*Digest, c.g.n)
	for e := range ds {
		if c.g.isMargin(e) {
			ds[e] = NewDigest()
		}
	}
	for i, cell := range t.Cells {
		ds[c.g.extOf(i)] = of(cell)
	}
	c.g.eachSum(func(tot, e int) { ds[tot].Add(ds[e]) })
	return ds
}

// needBuckets reports whether a cell shown so far has a digest without
// buckets that must be compared closely or recorded. The caller holds
// a.mu.
func (c *control) needBuckets(a *Auditor, key string, ds []*Digest) bool {
	for e, d := range ds {
		if !c.suppressed(e) && !d.Bucketed() && a.needsBuckets(key, d) {
			return true
		}
	}
	return false
}

// differencing reports whether any cell not yet withheld has a
// population (or base) that differs from a released one by fewer than the
// threshold units. It withholds nothing itself: the caller withholds the
// whole table, since withholding only the cells concerned would tell where
// the difference lies. The caller holds a.mu.
func (c *control) differencing(a *Auditor, key string, ds []*Digest) bool {
	for e, d := range ds {
		if !c.suppressed(e) && a.closest(key, d, int(c.th)) > 0 {
			return true
		}
	}
	return false
}

// withholdAll withholds every cell of the table for one reason.
func (c *control) withholdAll(rule, why string) {
	c.withheldWhole = true
	for e := 0; e < c.g.n; e++ {
		c.suppress(e, SuppressedPrimary, rule, why)
	}
}

// result builds the published table; shown counts are rounded to
// p.RoundTo and get status shownAs (or Shown when not rounded).
func (c *control) result(t *Table, p Policy, shownAs Status) *Result {
	r := &Result{Dims: t.Dims, Measure: t.measure(), SumName: t.SumName, Cells: make([]OutCell, 0, c.g.n)}
	base := p.RoundTo
	rounded := ""
	if base > 1 {
		rounded = fmt.Sprintf("rounded to the nearest %d", base)
	}
	for e := 0; e < c.g.n; e++ {
		margin := c.g.isMargin(e)
		if margin && p.OmitMargins {
			continue
		}
		oc := OutCell{Levels: c.levels(t, e), Margin: margin, Status: c.status[e], Reason: c.reason[e]}
		if !oc.Status.Suppressed() {
			oc.Count = roundTo(c.g.count[e], base)
			oc.Status, oc.Reason = shownAs, rounded
			switch {
			case shownAs == Rounded && base <= 1:
				oc.Status = Shown
			case shownAs == Perturbed:
				oc.Reason = strings.TrimPrefix(strings.Join([]string{perturbedWhy(p), rounded}, ", "), ", ")
				oc.Reason = strings.TrimSuffix(oc.Reason, ", ")
			}
			if c.g.hasSum {
				oc.Sum = c.g.sum[e]
				if base > 1 {
					oc.Sum = math.Round(oc.Sum/float64(base)) * float64(base)
				}
				if oc.Count > 0 {
					oc.Mean = oc.Sum / float64(oc.Count)
				}
			}
		}
		r.Cells = append(r.Cells, oc)
	}
	return r
}

// levels returns extended cell e's level names, carved from a shared
// backing array so a large table does not allocate once per cell.
func (c *control) levels(t *Table, e int) []string {
	nd := len(c.g.size)
	if len(c.levelBuf) < nd {
		c.levelBuf = make([]string, nd*1024)
	}
	out := c.levelBuf[:nd:nd]
	c.levelBuf = c.levelBuf[nd:]
	for d := range c.g.size {
		switch k := c.g.coord(e, d); {
		case k < c.g.size[d]:
			out[d] = t.Dims[d].Levels[k]
		case k == c.g.ext[d]-1:
			out[d] = TotalLevel
		default:
			out[d] = t.Dims[d].groupNames()[k-c.g.size[d]]
		}
	}
	return out
}

// roundTo rounds a non-negative count to the nearest multiple of base,
// halves up; base ≤ 1 leaves it alone. Margins are rounded from their own
// true totals, independently of their rounded cells, so a rounded table
// need not add up.
func roundTo(v, base int64) int64 {
	if base <= 1 {
		return v
	}
	return (v + base/2) / base * base
}
