package redteam

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/disclose"
)

// fakeRecord is one record of a small synthetic county.
type fakeRecord struct {
	key             uint64
	district, month string
}

// tableSource publishes tables of fake records through disclose.Apply
// under a policy (nil: the truth).
type tableSource struct {
	recs   []fakeRecord
	policy *disclose.Policy
}

func (s tableSource) Table(ctx context.Context, q Query) (*Table, error) {
	level := func(r fakeRecord, by string) string {
		switch by {
		case "district":
			return r.district
		case "month":
			return r.month
		case "quarter":
			return Quarter(r.month)
		}
		return Year(r.month)
	}
	var dims []disclose.Dim
	for _, b := range q.By {
		seen := map[string]bool{}
		var lv []string
		for _, r := range s.recs {
			if l := level(r, b); !seen[l] {
				seen[l] = true
				lv = append(lv, l)
			}
		}
		dims = append(dims, disclose.Dim{Name: b, Levels: lv})
	}
	tab := disclose.NewTable("count", dims...)
	for _, r := range s.recs {
		i, err := tab.Index(level(r, q.By[0]), level(r, q.By[1]))
		if err != nil {
			return nil, err
		}
		tab.Cells[i].Count++
		tab.Cells[i].Key += r.key
	}
	p := disclose.Policy{Threshold: 1}
	if s.policy != nil {
		p = *s.policy
	}
	res, err := disclose.Apply(ctx, tab, p, disclose.Options{})
	if err != nil {
		return nil, err
	}
	t := &Table{Dims: q.By, Figures: map[string]Figure{}, Threshold: res.Protection.Threshold, MaxShift: res.Protection.MaxShift}
	for _, c := range res.Cells {
		t.Figures[strings.Join(c.Levels, "|")] = Figure{Value: c.Count, Withheld: c.Status.Suppressed()}
	}
	return t, nil
}

func fakeCounty(n int) []fakeRecord { return fakeCountySeed(n, 3) }

// fakeCountySeed is [fakeCounty] drawn from another seed.
func fakeCountySeed(n int, seed uint64) []fakeRecord {
	rng := rand.New(rand.NewPCG(seed, seed))
	out := make([]fakeRecord, n)
	for i := range out {
		// Districts of falling size make counts of every size.
		d := min(int(rng.ExpFloat64()*10), 59)
		out[i] = fakeRecord{key: uint64(rng.Uint32()), district: fmt.Sprint("D", d), month: fmt.Sprintf("2024-%02d", 1+rng.IntN(12))}
	}
	return out
}

// TestTimeHierarchyAttack runs the attack (a quarter less its
// published months) against suppression alone, which it breaks, and
// against the cell-key method, which it does not.
func TestTimeHierarchyAttack(t *testing.T) {
	recs := fakeCounty(4000)
	truth := tableSource{recs: recs}
	a := TimeHierarchy(Query{By: []string{"district", "month"}}, Query{By: []string{"district", "quarter"}}, Query{By: []string{"district", "year"}}, true)
	ctx := context.Background()
	before, err := Run(ctx, a, "test", tableSource{recs: recs, policy: &disclose.Policy{}}, truth)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(before)
	if before.Attacked == 0 || before.Knowable == 0 || before.Exact != before.Attacked {
		t.Errorf("suppression alone: %v; the control expects every attacked cell recovered, knowably", before)
	}
	after, err := Run(ctx, a, "test", tableSource{recs: recs, policy: &disclose.Policy{Perturb: disclose.DefaultPTable()}}, truth)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(after)
	if after.Attacked < 20 || after.Knowable != 0 || 3*after.Exact >= after.Attacked {
		t.Errorf("cell-key: %v; want many cells attacked, none knowable, exact recoveries under a third", after)
	}
}

func TestCheckRefusesWrongEquations(t *testing.T) {
	recs := fakeCounty(300)
	// A quarter is not its first month.
	bad := Attack{Name: "wrong", Queries: []Query{{By: []string{"district", "month"}}, {By: []string{"district", "quarter"}}},
		Links: func([]*Table) []Link { return []Link{{Total: Ref{1, "D0|2024-Q1"}, Parts: []Ref{{0, "D0|2024-01"}}}} }}
	if _, err := Run(context.Background(), bad, "test", tableSource{recs: recs}, tableSource{recs: recs}); err == nil || !strings.Contains(err.Error(), "does not hold") {
		t.Errorf("a wrong equation gave %v, want it refused", err)
	}
}

// fixedSource publishes the same tables whatever is asked, in order.
type fixedSource struct{ tabs []*Table }

func (s *fixedSource) Table(_ context.Context, _ Query) (*Table, error) {
	t := s.tabs[0]
	s.tabs = s.tabs[1:]
	return t, nil
}

// TestWithheldWholeIsUnbounded: a table withheld whole (the differencing
// check's answer) may hold large counts; reading its cells as small would
// make the attacker claim cells it does not know.
func TestWithheldWholeIsUnbounded(t *testing.T) {
	fig := func(v int64, withheld bool) Figure { return Figure{Value: v, Withheld: withheld} }
	tab := func(a, b, tot Figure) *Table {
		return &Table{Dims: []string{"d"}, Threshold: 10, MaxShift: 3, Figures: map[string]Figure{"A": a, "B": b, "Total": tot}}
	}
	// all = yes + no; "yes" is withheld whole, its true counts 40 and 2.
	pub := &fixedSource{tabs: []*Table{tab(fig(50, false), fig(12, false), fig(62, false)), tab(fig(0, true), fig(0, true), fig(0, true)), tab(fig(10, false), fig(10, false), fig(20, false))}}
	truth := &fixedSource{tabs: []*Table{tab(fig(50, false), fig(12, false), fig(62, false)), tab(fig(40, false), fig(2, false), fig(42, false)), tab(fig(10, false), fig(10, false), fig(20, false))}}
	a := Attack{Name: "split", Queries: []Query{{}, {}, {}}, Links: func(tabs []*Table) []Link { return WithMargins(tabs, Split(0, 1, 2, tabs)) }}
	s, err := Run(context.Background(), a, "test", pub, truth)
	if err != nil {
		t.Fatal(err)
	}
	if s.Unsound != 0 || s.Knowable != 0 || s.Attacked != 3 {
		t.Errorf("%v: want 3 cells attacked, none knowable, no true count outside the bounds", s)
	}
}

// TestRepeatedCellCountsOnce: the same cell asked for three times is one
// cell attacked, not three.
func TestRepeatedCellCountsOnce(t *testing.T) {
	recs := fakeCounty(300)
	a := Attacks(Target{Dataset: "x", Place: "district", Category: "month"})
	var rep Attack
	for _, x := range a {
		if x.Name == "repeated queries" {
			rep = x
		}
	}
	ctx := context.Background()
	pol := &disclose.Policy{Perturb: disclose.DefaultPTable(), Threshold: 10}
	once, err := Run(ctx, Attack{Name: "once", Queries: rep.Queries[:1], Links: func(tabs []*Table) []Link { return WithMargins(tabs, nil) }}, "test", tableSource{recs: recs, policy: pol}, tableSource{recs: recs})
	if err != nil {
		t.Fatal(err)
	}
	thrice, err := Run(ctx, rep, "test", tableSource{recs: recs, policy: pol}, tableSource{recs: recs})
	if err != nil {
		t.Fatal(err)
	}
	if once.Attacked == 0 || thrice.Attacked != once.Attacked || thrice.Exact != once.Exact {
		t.Errorf("asked once %v; thrice %v: want the same cells attacked", once, thrice)
	}
}

func TestGains(t *testing.T) {
	for _, tc := range []struct {
		exact, attacked, guessed int
		want                     bool
	}{
		{9, 31, 5, false},      // 29% of a few cells: chance
		{850, 3000, 500, true}, // 28% of many: more than chance
		{700, 3000, 500, false},
		{900, 3000, 1000, false}, // no better than the blind guess
		{8, 12, 2, true},
	} {
		s := Score{Exact: tc.exact, Attacked: tc.attacked, Guessed: tc.guessed}
		if got := s.Gains(); got != tc.want {
			t.Errorf("%d of %d exact (guess %d): gains %v, want %v (tail %.4f)", tc.exact, tc.attacked, tc.guessed, got, tc.want, binomialTail(tc.exact, tc.attacked, 0.25))
		}
	}
}

// TestRefusalPointing: withholding only the cells a few records left
// tells where they were; withholding the whole table does not.
func TestRefusalPointing(t *testing.T) {
	fig := func(v int64, withheld bool) Figure { return Figure{Value: v, Withheld: withheld} }
	tab := func(a, b, tot Figure) *Table {
		return &Table{Dims: []string{"d"}, Threshold: 10, MaxShift: 3, Figures: map[string]Figure{"A": a, "B": b, "Total": tot}}
	}
	// One record leaves A: 20 → 19; B stays 30.
	truth := func() Source {
		return &fixedSource{tabs: []*Table{tab(fig(20, false), fig(30, false), fig(50, false)), tab(fig(19, false), fig(30, false), fig(49, false))}}
	}
	first := tab(fig(21, false), fig(29, false), fig(51, false))
	for _, tc := range []struct {
		name   string
		second *Table
		leaks  bool
	}{
		{"A and the total withheld", tab(fig(0, true), fig(29, false), fig(0, true)), true},
		{"the whole table withheld", tab(fig(0, true), fig(0, true), fig(0, true)), false},
		{"perturbed afresh", tab(fig(17, false), fig(29, false), fig(48, false)), false},
		{"the unchanged cell moved", tab(fig(17, false), fig(33, false), fig(48, false)), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := RunRefusal(context.Background(), "test", "x", Query{}, Query{}, &fixedSource{tabs: []*Table{first, tc.second}}, truth())
			if err != nil {
				t.Fatal(err)
			}
			if r.Leaks() != tc.leaks {
				t.Errorf("%v: leaks %v, want %v", r, r.Leaks(), tc.leaks)
			}
		})
	}
}

// TestCrossPathDiffer: one table through two paths must publish the same
// figure for the same records; a path that draws the perturbation again
// (another value) or withholds what the other shows is counted, each
// path asked through its own source.
func TestCrossPathDiffer(t *testing.T) {
	fig := func(v int64, withheld bool) Figure { return Figure{Value: v, Withheld: withheld} }
	tab := func(a, b, tot Figure) *Table {
		return &Table{Dims: []string{"d"}, Threshold: 10, MaxShift: 3, Figures: map[string]Figure{"A": a, "B": b, "Total": tot}}
	}
	truth := func() *fixedSource {
		return &fixedSource{tabs: []*Table{tab(fig(20, false), fig(5, false), fig(25, false)), tab(fig(20, false), fig(5, false), fig(25, false))}}
	}
	same := tab(fig(21, false), fig(0, true), fig(24, false))
	for _, tc := range []struct {
		other *Table
		want  int
	}{{tab(fig(21, false), fig(0, true), fig(27, false)), 0}, {tab(fig(22, false), fig(0, true), fig(24, false)), 1}, {tab(fig(21, false), fig(6, false), fig(24, false)), 1}} {
		pub := Paths{"cli": &fixedSource{tabs: []*Table{same}}, "api": &fixedSource{tabs: []*Table{tc.other}}}
		s, err := Run(context.Background(), CrossPath(Query{}, "cli", "api"), "all", pub, truth())
		if err != nil {
			t.Fatal(err)
		}
		if s.Compared != 2 || s.Differ != tc.want {
			t.Errorf("%v: want 2 cells compared (totals left out), %d published differently", s, tc.want)
		}
	}
}
