package disclose_test

import (
	"context"
	"encoding/csv"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/refdata"
)

// collision is one real STATS19 collision: the district code (450–463),
// month (YYYY-MM) and severity (1 fatal, 2 serious, 3 slight).
type collision struct{ district, month, severity string }

// loadCollisions reads DfT's Essex collision files for 2015 and 2017 from
// the shared reference data.
func loadCollisions(tb testing.TB) []collision {
	tb.Helper()
	var out []collision
	for _, year := range []string{"2015", "2017"} {
		path, err := refdata.Path("road_safety_stats19", "essex_pf42_accidents_"+year+".csv")
		if err != nil {
			tb.Skipf("reference data not available: %v", err)
		}
		f, err := os.Open(path)
		if err != nil {
			tb.Fatal(err)
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			tb.Fatal(err)
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		for _, r := range rows[1:] {
			date := r[col["Date"]] // dd/mm/yyyy
			out = append(out, collision{
				district: r[col["Local_Authority_(District)"]],
				month:    date[6:10] + "-" + date[3:5],
				severity: r[col["Accident_Severity"]],
			})
		}
	}
	return out
}

// tabulate counts collisions over the dimensions picked by the functions.
func tabulate(cs []collision, names []string, pick ...func(collision) string) *disclose.Table {
	levels := make([][]string, len(pick))
	for _, c := range cs {
		for i, p := range pick {
			if !slices.Contains(levels[i], p(c)) {
				levels[i] = append(levels[i], p(c))
			}
		}
	}
	var dims []disclose.Dim
	for i, l := range levels {
		slices.Sort(l)
		dims = append(dims, disclose.Dim{Name: names[i], Levels: l})
	}
	t := disclose.NewTable("collisions", dims...)
	for _, c := range cs {
		var lv []string
		for _, p := range pick {
			lv = append(lv, p(c))
		}
		i, err := t.Index(lv...)
		if err != nil {
			panic(err)
		}
		t.Cells[i].Count++
	}
	return t
}

// TestRealCollisionsResistAttack controls real tables of Essex road
// collisions and runs the attacker on the published result.
func TestRealCollisionsResistAttack(t *testing.T) {
	cs := loadCollisions(t)
	district := func(c collision) string { return c.district }
	tests := []struct {
		name string
		tab  *disclose.Table
	}{
		{"district × month", tabulate(cs, []string{"district", "month"}, district, func(c collision) string { return c.month })},
		{"district × severity × year", tabulate(cs, []string{"district", "severity", "year"}, district,
			func(c collision) string { return c.severity }, func(c collision) string { return c.month[:4] })},
	}
	// District within upper-tier authority: the road-safety README gives
	// 460 as Southend-on-Sea and 462 as Thurrock (unitary); the rest are
	// in Essex County Council's area.
	grouped := tabulate(cs, []string{"district", "month"}, district, func(c collision) string { return c.month })
	grouped.Dims[0].Groups = make([]string, len(grouped.Dims[0].Levels))
	for i, code := range grouped.Dims[0].Levels {
		grouped.Dims[0].Groups[i] = map[string]string{"460": "Southend-on-Sea", "462": "Thurrock"}[code]
		if grouped.Dims[0].Groups[i] == "" {
			grouped.Dims[0].Groups[i] = "Essex CC"
		}
	}
	tests = append(tests, struct {
		name string
		tab  *disclose.Table
	}{"district (within upper tier) × month", grouped})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := disclose.Apply(context.Background(), tt.tab, disclose.Policy{}, disclose.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Report.Primary == 0 {
				t.Fatalf("no cell below the threshold in %s: the test exercises nothing", tt.name)
			}
			assertNothingRecovered(t, r, truthOf(tt.tab))
			for _, f := range r.Report.Findings {
				if f.Rule == disclose.RuleResidual && f.Low == f.High {
					t.Errorf("report: cell %s pinned exactly", strings.Join(f.Levels, "/"))
				}
			}
		})
	}
}
