package linkreport_test

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/link/linkcsv"
	"github.com/civiclink/civiclink/internal/link/linkreport"
	"github.com/civiclink/civiclink/internal/refdata"
)

func TestReportIsSelfContainedWithEveryChart(t *testing.T) {
	p, err := refdata.Path("linkage", "febrl_dataset1.csv")
	if err != nil {
		t.Skipf("shared linkage data not found: %v", err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	ds, _, err := linkcsv.Read(f, "febrl1", "rec_id")
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := link.ParseConfig([]byte(`{"comparisons": [
		{"field": "given_name", "kind": "jaro_winkler"}, {"field": "surname", "kind": "jaro_winkler"},
		{"field": "date_of_birth", "kind": "date"}, {"field": "soc_sec_id", "kind": "damerau"}],
		"blocking": "auto"}`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := link.Link(context.Background(), []link.Dataset{ds}, cfg, link.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := linkreport.Write(&buf, linkreport.FromResult(res, "FEBRL 1")); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if m := regexp.MustCompile(`(?i)(https?:|//[a-z]|<script|<link|<img|<iframe|@import|url\()`).FindString(page); m != "" {
		t.Errorf("report refers to something outside itself: %q", m)
	}
	for _, want := range []struct{ id, inside string }{
		{"chart-mu", "m = "},
		{"chart-weights", `class="threshold"`},
		{"chart-blocking", "new comparisons"},
		{"chart-waterfalls", "waterfall of febrl1/"},
		{"chart-clusters", "clusters of 2 records"},
	} {
		i := strings.Index(page, `<section id="`+want.id+`">`)
		if i < 0 {
			t.Errorf("no section %s", want.id)
			continue
		}
		sec := page[i:]
		sec = sec[:strings.Index(sec, "</section>")]
		if !strings.Contains(sec, "<svg") || !strings.Contains(sec, want.inside) {
			t.Errorf("section %s has no chart with %q", want.id, want.inside)
		}
	}
	if got := strings.Count(page, "aria-label=\"waterfall of"); got < 4 {
		t.Errorf("%d waterfalls, want at least 4 (bands with pairs)", got)
	}
	if !strings.Contains(page, "estimated recall") {
		t.Error("the blocking chart does not give auto-blocking's estimated recall")
	}
}

func TestHistogram(t *testing.T) {
	for _, tc := range []struct {
		name    string
		weights []float64
		from    float64
		counts  []int64
	}{
		{"units", []float64{-1.5, -0.2, 0.3, 0.9, 2}, -2, []int64{1, 1, 2, 0, 1}},
		{"clipped", []float64{-100, 100}, -40, nil},
		{"none", nil, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bins := linkreport.Histogram(tc.weights)
			var total int64
			for _, b := range bins {
				total += b.Pairs
			}
			if total != int64(len(tc.weights)) {
				t.Errorf("bins hold %d pairs, want %d", total, len(tc.weights))
			}
			if len(tc.weights) > 0 && bins[0].From != tc.from {
				t.Errorf("first bin from %g, want %g", bins[0].From, tc.from)
			}
			for i, want := range tc.counts {
				if got := bins[i].Pairs; got != want {
					t.Errorf("bin %d [%g, %g) holds %d, want %d", i, bins[i].From, bins[i].To, got, want)
				}
			}
		})
	}
}
