package disclose

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// record is one unit with its fixed key and its place and time.
type record struct {
	key             uint64
	district, month string
}

func keyedRecords(rng *rand.Rand, n int) []record {
	out := make([]record, n)
	for i := range out {
		out[i] = record{key: uint64(rng.Uint32()), district: fmt.Sprint("D", rng.IntN(4)), month: fmt.Sprintf("2024-%02d", 1+rng.IntN(6))}
	}
	return out
}

// keyedTable counts records by the named dimensions ("district", "month").
func keyedTable(t testing.TB, recs []record, by ...string) *Table {
	t.Helper()
	var dims []Dim
	for _, b := range by {
		var lv []string
		for i := range map[string]int{"district": 4, "month": 6}[b] {
			if b == "district" {
				lv = append(lv, fmt.Sprint("D", i))
			} else {
				lv = append(lv, fmt.Sprintf("2024-%02d", i+1))
			}
		}
		dims = append(dims, Dim{Name: b, Levels: lv})
	}
	tab := NewTable("count", dims...)
	for _, r := range recs {
		var lv []string
		for _, b := range by {
			lv = append(lv, map[string]string{"district": r.district, "month": r.month}[b])
		}
		i, err := tab.Index(lv...)
		if err != nil {
			t.Fatal(err)
		}
		tab.Cells[i].Count++
		tab.Cells[i].Key += r.key
	}
	return tab
}

func TestCellKeySameRecordsSameValueInAnyTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	recs := keyedRecords(rng, 300)
	p := Policy{Perturb: DefaultPTable()}
	ctx := context.Background()
	both, err := Apply(ctx, keyedTable(t, recs, "district", "month"), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	months, err := Apply(ctx, keyedTable(t, recs, "month"), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	moved := 0
	for _, m := range months.Cells {
		c, ok := both.Cell(TotalLevel, m.Levels[0])
		if !ok || c.Display() != m.Display() {
			t.Errorf("month %s: %s in the month table, %s as the district × month margin; the same records must publish the same value", m.Levels[0], m.Display(), c.Display())
		}
		if m.Status != Perturbed && !m.Status.Suppressed() {
			t.Errorf("month %s has status %s, want perturbed", m.Levels[0], m.Status)
		}
	}
	again, _ := Apply(ctx, keyedTable(t, recs, "district", "month"), p, Options{})
	grid := newGrid(keyedTable(t, recs, "district", "month"))
	for i, c := range both.Cells {
		if again.Cells[i].Display() != c.Display() {
			t.Errorf("cell %v: %s then %s on asking again", c.Levels, c.Display(), again.Cells[i].Display())
		}
		n := grid.count[i]
		reach := DefaultPTable().MaxPerturbation()
		switch {
		case c.Status.Suppressed():
			if n >= 10+reach {
				t.Errorf("cell %v of true count %d withheld: no perturbation takes it under 10", c.Levels, n)
			}
		case c.Count < 10 && c.Count != 0:
			t.Errorf("cell %v published %d, under the threshold", c.Levels, c.Count)
		case c.Count-n > reach || n-c.Count > reach:
			t.Errorf("cell %v: true %d published %d, more than the table allows", c.Levels, n, c.Count)
		}
		if !c.Status.Suppressed() && c.Count != n {
			moved++
		}
	}
	if moved == 0 {
		t.Error("no cell was perturbed")
	}
	if both.Protection.Method() != "perturbation+suppression" || !strings.Contains(both.Protection.PTable, "default") {
		t.Errorf("protection %+v, want perturbation+suppression by the default table", both.Protection)
	}
}

func TestCellKeyMagnitudeKeepsMeanHidesCount(t *testing.T) {
	tab := NewTable("count", Dim{Name: "ward", Levels: []string{"a", "b"}})
	tab.SumName = "days"
	tab.Cells[0] = Cell{Count: 40, Sum: 400, Top: []float64{20, 19}, Key: 12345}
	tab.Cells[1] = Cell{Count: 30, Sum: 90, Top: []float64{80}, Key: 999}
	r, err := Apply(context.Background(), tab, Policy{Perturb: DefaultPTable()}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := r.Cell("a")
	if a.Status.Suppressed() || a.Mean != 10 || a.Sum != 10*float64(a.Count) {
		t.Errorf("cell a: count %d sum %v mean %v, want the true mean 10 and the sum of the published count", a.Count, a.Sum, a.Mean)
	}
	if b, _ := r.Cell("b"); !b.Status.Suppressed() {
		t.Errorf("cell b, dominated by one contribution, was published (%s)", b.Status)
	}
}

func TestUnitKeys(t *testing.T) {
	u, v := NewUnitKeys([]byte("0123456789abcdef")), NewUnitKeys([]byte("fedcba9876543210"))
	if u.Key("p1") != u.Key("p1") || u.Key("p1") == u.Key("p2") || u.Key("p1") == v.Key("p1") {
		t.Error("unit keys must be fixed per id and differ between ids and secrets")
	}
	if u.KeyOf([]string{"p1", "p2"}) != u.Key("p1")+u.Key("p2") {
		t.Error("a population's key is the sum of its units' keys")
	}
	if u.Key("p3") >= KeySpace {
		t.Error("a unit key is out of the key space")
	}
}

func TestPerturbAndDPRefusedTogether(t *testing.T) {
	tab := NewTable("count", Dim{Name: "d", Levels: []string{"a"}})
	_, err := Apply(context.Background(), tab, Policy{Perturb: DefaultPTable(), DP: &DPConfig{Mechanism: Laplace, Epsilon: 1}}, Options{Ledger: NewMemLedger(), Dataset: "x"})
	if err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("got %v, want a refusal", err)
	}
}

// TestAuditorExposureBudget checks what the differencing audit withholds
// under perturbation. A near pair (a month beside its quarter, a filter
// beside the same filter less a few records) exposes its difference once,
// under the noise of two perturbations: that is released, up to the
// perturbation table's exposure budget. An attacker who builds more pairs
// with the same difference (the same few records left out of ever new
// filters) to average the noise away gets the pairs beyond the budget
// withheld, each table whole. Cells that count the same records publish
// the same figure, so they expose a difference once (a one-cell table and
// its total); a cell and a margin over other records too expose it twice.
// A persistent auditor remembers exposures across processes.
func TestAuditorExposureBudget(t *testing.T) {
	ids := func(prefix string, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprint(prefix, i)
		}
		return out
	}
	join := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	table := func(cells ...[]string) *Table {
		var lv []string
		for i := range cells {
			lv = append(lv, fmt.Sprint("L", i))
		}
		tab := NewTable("count", Dim{Name: "d", Levels: lv})
		for i, c := range cells {
			tab.Cells[i] = Cell{Count: int64(len(c)), IDs: c, Key: uint64(len(c)) * 7919}
		}
		return tab
	}
	p := Policy{Perturb: DefaultPTable()}
	budget := p.Perturb.ExposureBudget()
	if budget != 2 {
		t.Errorf("the shipped table's exposure budget is %d, want 2 (averaging 3 differences is exact %.3f of the time, 4: %.3f)", budget, p.Perturb.ExactAfter(3), p.Perturb.ExactAfter(4))
	}
	withheld := func(r *Result) bool {
		n := 0
		for _, c := range r.Cells {
			if c.Status.Suppressed() {
				n++
			}
		}
		if n != 0 && n != len(r.Cells) {
			t.Errorf("%d of %d cells withheld: the audit must withhold all or none", n, len(r.Cells))
		}
		return n == len(r.Cells)
	}
	target := ids("target", 2) // the records the attacker isolates
	other := ids("far", 30)    // a second cell, far from everything
	for _, persistent := range []bool{false, true} {
		t.Run(fmt.Sprint("persistent ", persistent), func(t *testing.T) {
			rs := &memReleases{}
			aud := NewAuditor()
			if persistent {
				aud = NewPersistentAuditor([]byte("salt"), rs)
			}
			o := Options{Dataset: "d", Auditor: aud}
			// The attacker's pairs: S_i with and without the target, each
			// S_i a new population.
			for i := range budget + 2 {
				if persistent && i == 1 {
					// A new process reads the release record afresh.
					aud = NewPersistentAuditor([]byte("salt"), rs)
					o.Auditor = aud
				}
				s := ids(fmt.Sprint("s", i, "-"), 40+i)
				if r, err := Apply(context.Background(), table(s), p, o); err != nil || withheld(r) {
					t.Fatalf("pair %d: the base population alone was withheld (%v)", i, err)
				}
				r, err := Apply(context.Background(), table(join(s, target)), p, o)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := withheld(r), i >= budget; got != want {
					t.Errorf("pair %d exposing the same 2 records: withheld %v, want %v (budget %d)", i, got, want, budget)
				}
				if i >= budget && !strings.Contains(r.Protection.Withheld, "withheld") {
					t.Errorf("pair %d: the protection does not say why the table was withheld: %q", i, r.Protection.Withheld)
				}
			}
		})
	}
	t.Run("a cell and its margin", func(t *testing.T) {
		o := Options{Dataset: "d", Auditor: NewAuditor()}
		for i, want := range []bool{false, true} {
			s := ids(fmt.Sprint("m", i, "-"), 40+i)
			if r, err := Apply(context.Background(), table(s, other), p, o); err != nil || withheld(r) {
				t.Fatal("the base was withheld", err)
			}
			r, err := Apply(context.Background(), table(join(s, target), other), p, o)
			if err != nil {
				t.Fatal(err)
			}
			if withheld(r) != want {
				t.Errorf("pair %d, each exposing the target in a cell and the total: withheld %v, want %v", i, !want, want)
			}
		}
	})
}

// memReleases is a release record in memory.
type memReleases struct{ m map[string][]*Digest }

func (r *memReleases) Releases(_ context.Context, key string) ([]*Digest, error) {
	return r.m[key], nil
}

func (r *memReleases) SaveReleases(_ context.Context, key string, ds []*Digest) error {
	if r.m == nil {
		r.m = map[string][]*Digest{}
	}
	for _, d := range ds {
		b, err := d.MarshalBinary()
		if err != nil {
			return err
		}
		var back Digest
		if err := back.UnmarshalBinary(b); err != nil {
			return err
		}
		r.m[key] = append(r.m[key], &back)
	}
	return nil
}
