package disclose

import (
	"context"
	"fmt"
	"math"

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
}

// Apply returns t after disclosure control under p: the only way an
// aggregate leaves the engine. Without p.DP it suppresses small counts and
// dominated sums (primary), cells that differ by a few units from an
// earlier release (when o.Auditor and cell ids are given), complementary
// cells so no withheld one can be worked out from totals (secondary), then
// rounds what is shown. With p.DP it charges o.Ledger and publishes noisy
// counts instead.
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
		return applyDP(ctx, t, p, o)
	}
	c := newControl(newGrid(t), p.threshold())
	c.names = dimNames(t)
	c.primary(p)
	var pops, bases []*Digest
	if o.Auditor != nil && hasMembers(t) {
		o.Auditor.mu.Lock()
		defer o.Auditor.mu.Unlock()
		for _, key := range []string{o.Dataset, baseKey(o.Dataset)} {
			if err := o.Auditor.load(ctx, key); err != nil {
				return nil, err
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
				return nil, fault.Errorf(fault.Internal, "cell populations came without the detail the differencing check needs")
			}
			if err := t.FillMembers(ctx); err != nil {
				return nil, fault.Wrap(err, fault.Internal, "cannot digest the cells' populations for the differencing check; the figures are withheld")
			}
			pops = c.digests(t, of)
		}
		c.differencing(o.Auditor, o.Dataset, pops, "its population")
		if hasBases(t) {
			bases = c.digests(t, func(c Cell) *Digest { return DigestOf(key, c.Base) })
			c.differencing(o.Auditor, baseKey(o.Dataset), bases, "the population it was counted from")
		}
	}
	checked := c.secondary()
	r := c.result(t, p, Rounded)
	c.recordReleased(o.Auditor, o.Dataset, pops)
	c.recordReleased(o.Auditor, baseKey(o.Dataset), bases)
	if o.Auditor != nil {
		if err := o.Auditor.flush(ctx); err != nil {
			return nil, err
		}
	}
	r.Report = c.report(t, p, r, reportNotes{exactChecked: checked, audited: pops != nil, auditWanted: o.Auditor != nil})
	return r, nil
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

// differencing withholds cells whose population (what says which) differs
// from a released one by fewer than the threshold units. The caller holds
// a.mu.
func (c *control) differencing(a *Auditor, key string, ds []*Digest, what string) {
	for e, d := range ds {
		if c.suppressed(e) {
			continue
		}
		if a.closest(key, d, int(c.th)) > 0 {
			c.suppress(e, SuppressedPrimary, RuleDifferencing,
				fmt.Sprintf("differencing: %s differs from that of a cell released earlier by fewer than %d units", what, c.th))
		}
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
			if shownAs == Rounded && base <= 1 {
				oc.Status = Shown
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
