package disclose_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/civiclink/civiclink/internal/disclose"
)

// person is a synthetic resident: no real person.
type person struct {
	id       string
	district string
	age      int
	flagged  bool // the sensitive attribute, e.g. known to a crisis service
}

// population makes 600 synthetic people in districts A and B, of whom
// about a tenth are flagged, with exactly one person aged 44 in district A:
// the target, flagged as told.
func population(rng *rand.Rand, targetFlagged bool) []person {
	var out []person
	for i := range 600 {
		p := person{id: fmt.Sprintf("p%04d", i), district: []string{"A", "B"}[rng.IntN(2)], age: 18 + rng.IntN(70), flagged: rng.IntN(10) == 0}
		if p.age == 44 {
			p.age = 45
		}
		out = append(out, p)
	}
	out = append(out, person{id: "target", district: "A", age: 44, flagged: targetFlagged})
	return out
}

// cohortByDistrict is the query an analyst (here, the attacker) issues:
// flagged people by district, leaving out people of the given age (0 for
// none), with the ids of those counted.
func cohortByDistrict(people []person, excludeAge int) *disclose.Table {
	t := disclose.NewTable("people", disclose.Dim{Name: "district", Levels: []string{"A", "B"}})
	for _, p := range people {
		if !p.flagged || p.age == excludeAge {
			continue
		}
		i, _ := t.Index(p.district)
		t.Cells[i].Count++
		t.Cells[i].IDs = append(t.Cells[i].IDs, p.id)
	}
	return t
}

// withBases adds to each cell the ids of everyone the query ranged over:
// all people of the district, flagged or not, but for the excluded age.
func withBases(t *disclose.Table, people []person, excludeAge int) *disclose.Table {
	for i := range t.Cells {
		t.Cells[i].Base = []string{}
	}
	for _, p := range people {
		if p.age == excludeAge {
			continue
		}
		i, _ := t.Index(p.district)
		t.Cells[i].Base = append(t.Cells[i].Base, p.id)
	}
	return t
}

// valueOf returns what the attacker can learn of district A's count from a
// published result: the cell itself, or the total less district B.
func valueOf(r *disclose.Result) (int64, bool) {
	a, _ := r.Cell("A")
	if !a.Status.Suppressed() {
		return a.Count, true
	}
	b, _ := r.Cell("B")
	tot, _ := r.Cell(disclose.TotalLevel)
	if !b.Status.Suppressed() && !tot.Status.Suppressed() {
		return tot.Count - b.Count, true
	}
	return 0, false
}

// differencingAttack issues both queries through Apply and returns the
// attacker's conclusion about the target: flagged, or not, or unknown.
func differencingAttack(t *testing.T, people []person, p disclose.Policy, o disclose.Options) (flagged, known bool) {
	t.Helper()
	r1, err := disclose.Apply(context.Background(), cohortByDistrict(people, 0), p, o)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := disclose.Apply(context.Background(), cohortByDistrict(people, 44), p, o)
	if err != nil {
		t.Fatal(err)
	}
	a1, ok1 := valueOf(r1)
	a2, ok2 := valueOf(r2)
	if !ok1 || !ok2 {
		return false, false
	}
	return a1-a2 >= 1, true
}

func TestDifferencingAttackWorksWithoutDefence(t *testing.T) {
	people := population(rand.New(rand.NewPCG(1, 1)), true)
	flagged, known := differencingAttack(t, people, disclose.Policy{}, disclose.Options{})
	if !known || !flagged {
		t.Fatalf("without a defence the attacker learned flagged=%v (known %v); the test population is wrong", flagged, known)
	}
}

func TestAuditorStopsDifferencingAttack(t *testing.T) {
	people := population(rand.New(rand.NewPCG(1, 1)), true)
	aud := disclose.NewAuditor()
	o := disclose.Options{Dataset: "crisis", Auditor: aud}
	_, known := differencingAttack(t, people, disclose.Policy{}, o)
	if known {
		t.Fatal("the attacker worked out the difference that isolates the target through the auditor")
	}
	r, err := disclose.Apply(context.Background(), cohortByDistrict(people, 44), disclose.Policy{}, o)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := r.Cell("A")
	if a.Status != disclose.SuppressedPrimary {
		t.Errorf("district A after excluding one person: status %s, want suppressed-primary by the differencing rule", a.Status)
	}
	found := false
	for _, f := range r.Report.Findings {
		found = found || f.Rule == disclose.RuleDifferencing
	}
	if !found {
		t.Error("the report does not record the differencing finding")
	}
	// Re-issuing the first query releases the same populations again.
	r1, err := disclose.Apply(context.Background(), cohortByDistrict(people, 0), disclose.Policy{}, o)
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := r1.Cell("A"); a.Status.Suppressed() {
		t.Errorf("repeating a released query withheld district A (%s)", a.Reason)
	}
}

// TestAuditorWithBasesLeaksNothingByRefusing shows the denial channel and
// its fix. Comparing only the counted populations, the second query is
// withheld when the target is flagged and released, unchanged, when not:
// the refusal itself tells. Comparing the bases too, it is withheld either
// way, so the attacker learns nothing in both cases.
func TestAuditorWithBasesLeaksNothingByRefusing(t *testing.T) {
	for _, targetFlagged := range []bool{true, false} {
		people := population(rand.New(rand.NewPCG(4, 4)), targetFlagged)
		o := disclose.Options{Dataset: "crisis", Auditor: disclose.NewAuditor()}
		run := func(excludeAge int, bases bool) *disclose.Result {
			t.Helper()
			tab := cohortByDistrict(people, excludeAge)
			if bases {
				withBases(tab, people, excludeAge)
			}
			r, err := disclose.Apply(context.Background(), tab, disclose.Policy{}, o)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		// Counted populations only.
		run(0, false)
		_, known := valueOf(run(44, false))
		if known == targetFlagged {
			t.Errorf("flagged=%v, ids only: second query released=%v; want withheld exactly when flagged (the denial channel this test documents)", targetFlagged, known)
		}
		// With bases, on a fresh auditor.
		o.Auditor = disclose.NewAuditor()
		run(0, true)
		r2 := run(44, true)
		if _, known := valueOf(r2); known {
			t.Errorf("flagged=%v, with bases: the attacker read district A from the second query", targetFlagged)
		}
		if a, _ := r2.Cell("A"); a.Status != disclose.SuppressedPrimary {
			t.Errorf("flagged=%v, with bases: district A status %s, want suppressed-primary", targetFlagged, a.Status)
		}
	}
}

// TestAuditorCatchesDifferenceAgainstMargin releases a district total first
// and then a table whose cell differs from that total by one person.
func TestAuditorCatchesDifferenceAgainstMargin(t *testing.T) {
	people := population(rand.New(rand.NewPCG(2, 2)), true)
	aud := disclose.NewAuditor()
	o := disclose.Options{Dataset: "crisis", Auditor: aud}
	if _, err := disclose.Apply(context.Background(), cohortByDistrict(people, 0), disclose.Policy{}, o); err != nil {
		t.Fatal(err)
	}
	// One cell, "everyone flagged except the target": differs by one from
	// the released grand total.
	var others []person
	for _, p := range people {
		if p.id != "target" {
			others = append(others, p)
		}
	}
	tab := disclose.NewTable("people", disclose.Dim{Name: "county", Levels: []string{"all"}})
	for _, p := range others {
		if p.flagged {
			tab.Cells[0].Count++
			tab.Cells[0].IDs = append(tab.Cells[0].IDs, p.id)
		}
	}
	r, err := disclose.Apply(context.Background(), tab, disclose.Policy{}, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Cells {
		if !c.Status.Suppressed() {
			t.Errorf("cell %v published as %d; it differs from the released total by one person", c.Levels, c.Count)
		}
	}
}

// TestDPDefeatsDifferencingAttack runs the attack many times against fresh
// synthetic populations whose target is flagged or not at random, with
// Laplace noise at ε = 0.5 per query (so ε = 1 for the pair). No attacker
// can then guess right more often than e/(1+e) ≈ 0.731 on average.
func TestDPDefeatsDifferencingAttack(t *testing.T) {
	trials := 400
	if testing.Short() {
		trials = 150
	}
	rng := rand.New(rand.NewPCG(3, 3))
	right := 0
	for i := range trials {
		truth := rng.IntN(2) == 0
		people := population(rng, truth)
		l := ledgerWith(t, "crisis", disclose.Budget{Epsilon: 1})
		o := disclose.Options{Dataset: "crisis", Ledger: l, Random: seeded(byte(i))}
		guess, known := differencingAttack(t, people, disclose.Policy{DP: laplace(0.5)}, o)
		if !known {
			guess = rng.IntN(2) == 0
		}
		if guess == truth {
			right++
		}
		// The budget is spent: a third query is refused.
		if _, err := disclose.Apply(context.Background(), cohortByDistrict(people, 0), disclose.Policy{DP: laplace(0.5)}, o); err == nil {
			t.Fatal("a third ε=0.5 query fitted in a budget of 1")
		}
	}
	rate := float64(right) / float64(trials)
	t.Logf("attacker right %.3f of %d trials", rate, trials)
	bound := math.E / (1 + math.E)
	if slack := 3 * math.Sqrt(0.25/float64(trials)); rate > bound+slack {
		t.Errorf("attacker guessed the target right %.3f of the time, above the ε=1 bound %.3f (+%.3f)", rate, bound, slack)
	}
}
