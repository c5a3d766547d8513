package synth

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestCrisisPattern checks the section 136 pattern that the mental-health
// crisis theme reads: police custody as the place of safety is common before
// May 2018 and about one detention in a hundred after, and a detention is
// often followed by a mental-health A&E attendance, clearly more often than
// one precedes it. Detentions are rare, so the county is small and their
// rate raised; the period starts in 2016 to have detentions before the
// change.
func TestCrisisPattern(t *testing.T) {
	cfg := DefaultConfig(6000, 11)
	cfg.Start, cfg.End = "2016-01-01", "2021-12-31"
	s136 := cfg.Datasets["s136_detentions"]
	s136.RateScale = 10
	cfg.Datasets["s136_detentions"] = s136
	dir := t.TempDir()
	man, _, err := Generate(context.Background(), cfg, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	who := map[string]string{} // dataset/record → person
	for _, r := range readAll(t, filepath.Join(dir, man.Truth))[1:] {
		who[r[0]+"/"+r[1]] = r[2]
	}
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	mhAE := map[string][]time.Time{} // person → mental-health A&E days
	ae := readAll(t, filepath.Join(dir, "ae_attendances.csv"))
	mhCol := column(t, ae[0], "mental_health")
	for _, r := range ae[1:] {
		if r[mhCol] == "true" {
			p := who["ae_attendances/"+r[0]]
			mhAE[p] = append(mhAE[p], day(r[1]))
		}
	}
	// attended reports whether p attended A&E with a mental-health presentation
	// from lo to hi days after t (negative: before).
	attended := func(p string, t time.Time, lo, hi int) bool {
		for _, a := range mhAE[p] {
			if d := int(a.Sub(t).Hours() / 24); d >= lo && d <= hi {
				return true
			}
		}
		return false
	}
	change := time.Date(2018, 5, 1, 0, 0, 0, 0, time.UTC)
	start, end := day(cfg.Start), day(cfg.End)
	var custody, detained [2]int // before, after the change
	windows, after, before := 0, 0, 0
	det := readAll(t, filepath.Join(dir, "s136_detentions.csv"))
	placeCol := column(t, det[0], "place_of_safety")
	for _, r := range det[1:] {
		d, p := day(r[1]), who["s136_detentions/"+r[0]]
		k := 0
		if !d.Before(change) {
			k = 1
		}
		detained[k]++
		if r[placeCol] == "custody" {
			custody[k]++
		}
		// Both 180-day windows inside the period.
		if d.AddDate(0, 0, -180).Before(start) || d.AddDate(0, 0, 180).After(end) {
			continue
		}
		windows++
		if attended(p, d, 1, 180) {
			after++
		}
		if attended(p, d, -180, -1) {
			before++
		}
	}
	share := func(n, of int) float64 { return float64(n) / float64(max(of, 1)) }
	t.Logf("detentions %d before May 2018 (%d in custody), %d after (%d); of %d with both windows, MH A&E within 180 days after %d, before %d",
		detained[0], custody[0], detained[1], custody[1], windows, after, before)
	if detained[0] < 100 || detained[1] < 200 || windows < 200 {
		t.Fatalf("too few detentions to test: %d before the change, %d after, %d with both windows", detained[0], detained[1], windows)
	}
	checks := []struct {
		name    string
		got     float64
		lo, hi  float64
		comment string
	}{
		{"custody share before May 2018", share(custody[0], detained[0]), 0.07, 0.25, "about 15%"},
		{"custody share from May 2018", share(custody[1], detained[1]), 0, 0.03, "about 1%"},
		{"MH A&E within 180 days after a detention", share(after, windows), 0.35, 0.75, "follow-ups on the usual rate"},
		{"after / before a detention", share(after, before), 1.3, 10, "the follow-up shows"},
	}
	for _, c := range checks {
		if c.got < c.lo || c.got > c.hi {
			t.Errorf("%s: %.3f, want %.2f to %.2f (%s)", c.name, c.got, c.lo, c.hi, c.comment)
		}
	}
}

func column(tb testing.TB, head []string, name string) int {
	tb.Helper()
	for i, h := range head {
		if h == name {
			return i
		}
	}
	tb.Fatalf("no column %s in %v", name, head)
	return -1
}
