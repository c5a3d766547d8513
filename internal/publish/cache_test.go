package publish

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/demo/demotest"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
)

// TestNamedIndicatorCache views named indicators of a demo county again
// and again: the table is computed once per release, every view is decided
// and audited exactly once (one insight.* access entry, none for the
// computation), and a change (a suspended agreement) reaches the next view.
func TestNamedIndicatorCache(t *testing.T) {
	ctx := context.Background()
	c := demotest.New(t, 1000, 8)
	county, err := geo.Load()
	if err != nil {
		t.Fatal(err)
	}
	gov := govern.NewService(c.Store, govern.AuditRecorder{Log: c.Audit})
	e := &insight.Engine{Store: c.Store, Gov: gov, Geo: county, PopulationScale: 1000 / float64(county.Population())}
	n := &NamedIndicators{Insight: e, County: county, Counts: &DistrictCounts{Store: c.Store, County: county, Insight: e}}
	log, err := c.Store.AuditLog(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	entries := func() []audit.Entry {
		es, err := log.Entries(ctx, audit.Filter{Action: "access"})
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	built := len(entries()) // the demo's own reads (its linkage run, its figures)
	accesses := func() int {
		es := entries()
		for _, e := range es[built:] {
			if !strings.HasPrefix(e.Event.Target, "insight.") {
				t.Errorf("access entry for %q: a figure view is decided by insight alone", e.Event.Target)
			}
		}
		return len(es)
	}
	analyst, admin := c.Summary.Staff["county.analyst"], c.Summary.Staff["county.admin"]
	for _, name := range []string{"known-to-three-agencies", "domestic-abuse-victims"} { // a cohort and a dataset indicator
		t.Run(name, func(t *testing.T) {
			id := NamedPrefix + name
			ind, err := FindIndicator(name)
			if err != nil {
				t.Fatal(err)
			}
			computed := 0
			view := func() (*DistrictTable, error) {
				return n.cachedBy(ctx, analyst, ind, []string{insight.DimDistrict}, func(rel *insight.Release) (*DistrictTable, error) {
					computed++
					return n.districts(ctx, rel, id, ind)
				})
			}
			before := accesses()
			first, err := view()
			if err != nil {
				t.Fatal(err)
			}
			if got := accesses() - before; got != 1 || computed != 1 {
				t.Errorf("the first view recorded %d access decisions and computed %d times, want 1 and 1", got, computed)
			}
			before = accesses()
			for range 3 {
				again, err := view()
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(again.Values, first.Values) || again.Total != first.Total {
					t.Fatalf("a cached view differs: %+v, want %+v", again, first)
				}
			}
			if computed != 1 {
				t.Errorf("computed %d times for 4 views of one state, want 1", computed)
			}
			if got := accesses() - before; got != 3 {
				t.Errorf("3 cached views recorded %d access decisions, want 3", got)
			}
			if _, err := gov.ChangeAgreement(ctx, admin, ind.Purpose+"-demo", govern.ActionSuspend, "paused"); err != nil {
				t.Fatal(err)
			}
			if _, err := view(); fault.Code(err) != fault.Forbidden {
				t.Errorf("view after the agreement was suspended: %v, want forbidden", err)
			}
			if _, err := gov.ChangeAgreement(ctx, admin, ind.Purpose+"-demo", govern.ActionActivate, "resumed"); err != nil {
				t.Fatal(err)
			}
			if _, err := view(); err != nil || computed != 1 {
				t.Errorf("view after the agreement resumed: %v, computed %d times, want the same release, cached (1)", err, computed)
			}
		})
	}
}

// TestTableCacheComputesOnce: concurrent views that miss share one
// computation; a failed one is not kept.
func TestTableCacheComputesOnce(t *testing.T) {
	ctx := context.Background()
	var c Cache
	var mu sync.Mutex
	computed := 0
	release := make(chan struct{})
	compute := func() (*DistrictTable, error) {
		mu.Lock()
		computed++
		mu.Unlock()
		<-release
		return &DistrictTable{Total: "42", Values: []DistrictValue{{Code: "E07000066", Display: "7"}}}, nil
	}
	var wg sync.WaitGroup
	got := make([]*DistrictTable, 20)
	for i := range got {
		wg.Go(func() {
			var err error
			if got[i], err = cachedTable(ctx, &c, &insight.Release{Key: "k"}, func(*insight.Release) (*DistrictTable, error) { return compute() }); err != nil {
				t.Error(err)
			}
		})
	}
	close(release)
	wg.Wait()
	if computed != 1 {
		t.Errorf("computed %d times for 20 concurrent views, want 1", computed)
	}
	for i, g := range got {
		if g == nil || g.Total != "42" || len(g.Values) != 1 || (i > 0 && &g.Values[0] == &got[0].Values[0]) {
			t.Fatalf("view %d got %+v, want its own copy of the table", i, g)
		}
	}
	fail := func() (*DistrictTable, error) { return nil, fault.Errorf(fault.Internal, "boom") }
	if _, err := Fetch(ctx, &c, 0, "bad", fail); err == nil {
		t.Fatal("a failing computation gave no error")
	}
	if c.has("bad") {
		t.Error("a failed computation was kept")
	}
}
