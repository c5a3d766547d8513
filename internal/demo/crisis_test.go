package demo_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/demo/demotest"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/synth"
)

// TestCrisisCohortFindsThePattern runs the demo on a small county with
// section 136 detentions ten times as common as designed, works out from
// the generator's truth who was detained and then attended A&E with a
// mental-health presentation within 180 days, and checks that the shipped
// cohort s136-then-mh-ae finds about as many people (linkage is not
// perfect) with a county total that disclosure control lets through.
func TestCrisisCohortFindsThePattern(t *testing.T) {
	s136 := synth.DefaultConfig(1, 0).Datasets["s136_detentions"]
	s136.RateScale = 10
	dc := demotest.NewWith(t, 1500, 9, map[string]synth.DatasetSettings{"s136_detentions": s136})

	want := crisisPeople(t, dc.Work, 180)
	res := dc.Summary.Cohorts["s136-then-mh-ae"]
	if res == nil {
		t.Fatal("the demo ran no s136-then-mh-ae cohort")
	}
	total, ok := res.Cell(disclose.TotalLevel)
	t.Logf("people detained then at A&E for mental health within 180 days: truth %d, cohort %s", want, total.Display())
	if want < 20 {
		t.Fatalf("the generated county has only %d people in the pattern; the test needs more", want)
	}
	if !ok || total.Status.Suppressed() {
		t.Fatalf("county total %+v: want a figure, not suppressed", total)
	}
	if d := total.Count - int64(want); d < -max(3, int64(want)/10) || d > max(3, int64(want)/10) {
		t.Errorf("cohort total %d, truth %d: want within 10%% (or 3)", total.Count, want)
	}
}

// crisisPeople counts the people the generator's truth says had a section
// 136 detention (any place of safety) and a mental-health A&E attendance
// on the same day or up to days after it.
func crisisPeople(t *testing.T, dir string, days int) int {
	t.Helper()
	who := map[string]string{} // dataset/record → person
	for _, r := range readCSV(t, filepath.Join(dir, "truth.csv"))[1:] {
		who[r[0]+"/"+r[1]] = r[2]
	}
	date := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	mh := map[string][]time.Time{}
	ae := readCSV(t, filepath.Join(dir, "ae_attendances.csv"))
	col := -1
	for i, h := range ae[0] {
		if h == "mental_health" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("ae_attendances has no mental_health column: %v", ae[0])
	}
	for _, r := range ae[1:] {
		if r[col] == "true" {
			p := who["ae_attendances/"+r[0]]
			mh[p] = append(mh[p], date(r[1]))
		}
	}
	people := map[string]bool{}
	for _, r := range readCSV(t, filepath.Join(dir, "s136_detentions.csv"))[1:] {
		p, d := who["s136_detentions/"+r[0]], date(r[1])
		for _, a := range mh[p] {
			if !a.Before(d) && !a.After(d.AddDate(0, 0, days)) {
				people[p] = true
			}
		}
	}
	return len(people)
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}
