package redteam

import (
	"context"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/disclose"
)

// oldPTable is the shipped table before its rare tail: counts from 3 move
// by −3…+3 at most.
const oldPTable = `count,perturbed,probability
0,0,1
1,0,0.3333333333
1,1,0.3333333334
1,2,0.3333333333
2,0,0.2
2,1,0.2
2,2,0.2
2,3,0.2
2,4,0.2
3,0,0.10
3,1,0.15
3,2,0.15
3,3,0.20
3,4,0.15
3,5,0.15
3,6,0.10
`

// zerosShownSource publishes through disclose.Apply under pt and reads
// each table as the stronger attacker does: zeros shown, so a withheld
// cell counts someone.
type zerosShownSource struct {
	tableSource
	pt *disclose.PTable
}

func (s zerosShownSource) Table(ctx context.Context, q Query) (*Table, error) {
	t, err := s.tableSource.Table(ctx, q)
	if err == nil {
		t.Preimage, t.Likely, t.ZerosShown = s.pt.Preimage, s.pt.Likely(0.01).Preimage, true
	}
	return t, err
}

// TestTailStopsPinning: against an attacker who knows a withheld cell
// counts someone, a table moving counts by at most 3 lets a total and a
// neighbour perturbed to opposite extremes pin a withheld 1; the shipped
// table's rare tail does not.
func TestTailStopsPinning(t *testing.T) {
	old, err := disclose.ParsePTable("old", strings.NewReader(oldPTable))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	knowable := func(pt *disclose.PTable) (Score, error) {
		var total Score
		for seed := uint64(1); seed <= 20; seed++ {
			recs := fakeCountySeed(1500, seed)
			a := TimeHierarchy(Query{By: []string{"district", "month"}}, Query{By: []string{"district", "quarter"}}, Query{By: []string{"district", "year"}}, true)
			pol := disclose.Policy{Perturb: pt, Threshold: 10}
			s, err := Run(ctx, a, "test", zerosShownSource{tableSource{recs: recs, policy: &pol}, pt}, tableSource{recs: recs})
			if err != nil {
				return total, err
			}
			total.Attacked += s.Attacked
			total.Knowable += s.Knowable
			total.Exact += s.Exact
			total.Unsound += s.Unsound
		}
		return total, nil
	}
	before, err := knowable(old)
	if err != nil {
		t.Fatal(err)
	}
	after, err := knowable(disclose.DefaultPTable())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("±3 table: %d attacked, %d exact, %d knowable; shipped: %d attacked, %d exact, %d knowable", before.Attacked, before.Exact, before.Knowable, after.Attacked, after.Exact, after.Knowable)
	if before.Unsound+after.Unsound != 0 {
		t.Fatalf("unsound bounds: %d, %d", before.Unsound, after.Unsound)
	}
	if before.Knowable == 0 {
		t.Errorf("the ±3 table lost no cell to the stronger attacker; the control expects pins")
	}
	if after.Knowable != 0 {
		t.Errorf("the shipped table lost %d cells to the stronger attacker", after.Knowable)
	}
}
