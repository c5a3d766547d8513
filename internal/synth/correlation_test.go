package synth

import (
	"context"
	"path/filepath"
	"testing"
)

// TestCorrelations checks that the hidden risks show through: multi-agency
// cohorts are richer than chance, and rates move with district and year.
func TestCorrelations(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a 20,000-person county")
	}
	dir := t.TempDir()
	man, _, err := Generate(context.Background(), DefaultConfig(20000, 3), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	who := map[string]string{} // dataset/record → person
	for _, r := range readAll(t, filepath.Join(dir, man.Truth))[1:] {
		who[r[0]+"/"+r[1]] = r[2]
	}
	people := map[string][]string{}
	for _, r := range readAll(t, filepath.Join(dir, man.Population))[1:] {
		people[r[0]] = r
	}
	// persons with at least one row matching keep
	cohort := func(ds string, keep func(head map[string]int, r []string) bool) map[string]bool {
		recs := readAll(t, filepath.Join(dir, ds+".csv"))
		head := map[string]int{}
		for i, h := range recs[0] {
			head[h] = i
		}
		out := map[string]bool{}
		for _, r := range recs[1:] {
			if keep(head, r) {
				out[who[ds+"/"+r[0]]] = true
			}
		}
		return out
	}
	all := func(map[string]int, []string) bool { return true }
	daVictims := cohort("police_incidents", func(h map[string]int, r []string) bool {
		return r[h["domestic_abuse"]] == "true" && r[h["role"]] == "victim"
	})
	homeless := cohort("homelessness", all)
	excluded := cohort("school_census", func(h map[string]int, r []string) bool { return r[h["fixed_term_exclusions"]] != "0" })
	pupils := cohort("school_census", all)
	yot := cohort("youth_offending", all)

	rate := func(in, of map[string]bool) float64 {
		n := 0
		for p := range of {
			if in[p] {
				n++
			}
		}
		return float64(n) / float64(max(len(of), 1))
	}
	others := func(of, not map[string]bool) map[string]bool {
		out := map[string]bool{}
		for p := range of {
			if !not[p] {
				out[p] = true
			}
		}
		return out
	}
	adults := map[string]bool{}
	for id, r := range people {
		if r[len(r)-1] != "C" {
			adults[id] = true
		}
	}
	if len(daVictims) < 50 || len(excluded) < 50 {
		t.Fatalf("too few domestic-abuse victims (%d) or excluded pupils (%d) to test", len(daVictims), len(excluded))
	}
	checks := []struct {
		name          string
		exposed, base float64
		min           float64
	}{
		{"homeless | DA victim vs other adults", rate(homeless, daVictims), rate(homeless, others(adults, daVictims)), 3},
		{"youth offending | excluded vs other pupils", rate(yot, excluded), rate(yot, others(pupils, excluded)), 3},
	}
	for _, c := range checks {
		t.Logf("%s: %.4f vs %.4f", c.name, c.exposed, c.base)
		if c.base == 0 || c.exposed/c.base < c.min {
			t.Errorf("%s: %.4f vs %.4f, want a ratio of at least %.0f", c.name, c.exposed, c.base, c.min)
		}
	}

	// A&E attendances dip in 2020; police rates differ by district.
	byYear := map[string]int{}
	for _, r := range readAll(t, filepath.Join(dir, "ae_attendances.csv"))[1:] {
		byYear[r[1][:4]]++
	}
	if float64(byYear["2020"]) > 0.85*float64(byYear["2019"]) {
		t.Errorf("A&E 2020 %d vs 2019 %d: want the pandemic dip", byYear["2020"], byYear["2019"])
	}
	perLAD := map[string]float64{}
	for _, r := range readAll(t, filepath.Join(dir, "police_incidents.csv"))[1:] {
		perLAD[r[12]]++
	}
	popLAD := map[string]float64{}
	for _, r := range people {
		popLAD[r[9]]++
	}
	southend, uttlesford := perLAD["E06000033"]/popLAD["E06000033"], perLAD["E07000077"]/popLAD["E07000077"]
	t.Logf("A&E 2019 %d, 2020 %d; police rows per person Southend %.3f, Uttlesford %.3f", byYear["2019"], byYear["2020"], southend, uttlesford)
	if southend < 1.3*uttlesford {
		t.Errorf("police rows per person: Southend %.3f, Uttlesford %.3f; want Southend well above", southend, uttlesford)
	}
}
