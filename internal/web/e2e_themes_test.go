package web

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/civiclink/civiclink/internal/demo"
)

// TestBrowserThemes opens a theme page of the demo county in a real
// Chromium: the district map draws all 14 districts, the trend chart
// draws and takes a district from its labelled select, and a suppressed
// cell of the trend's table shows as [c]; choosing a district drills the
// map down to its LSOAs (a suppressed LSOA hatched and [c] in their table),
// Back to districts returns, and Enter on a focused district drills too.
func TestBrowserThemes(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	ctx := browser(t)
	f := newThemeFixture(t)
	if !f.srv.built {
		t.Fatal("the UI bundle is not embedded: run `make ui` (npm ci and vite build in web/) before the browser test")
	}
	dir := artefacts(t)
	var (
		districts, trendPaths int
		suppressed, verdict   string
		district, themes      string
		lsoaPaths, lsoaRows   int
		lsoaHatched, back     int
		lsoaSuppressed, keyed string
		legend, lsoaLegend    string
		swatchC, tableC       int
		backHidden            bool
	)
	steps := []struct {
		name    string
		actions []chromedp.Action
	}{
		{"sign in", []chromedp.Action{
			chromedp.Navigate(f.ts.URL + "/themes"),
			chromedp.WaitVisible(`#user`, chromedp.ByQuery),
			chromedp.SendKeys(`#user`, themeAnalyst, chromedp.ByQuery),
			chromedp.SendKeys(`#password`, demo.Password, chromedp.ByQuery),
			chromedp.Submit(`#password`, chromedp.ByQuery),
			chromedp.WaitVisible(`.theme-list`, chromedp.ByQuery),
			chromedp.Text(`.theme-list`, &themes, chromedp.ByQuery),
			shot(t, dir, "themes-01-list"),
		}},
		{"open a theme", []chromedp.Action{
			chromedp.Navigate(f.ts.URL + "/themes/avoidable-emergency-care?period=quarter"),
			chromedp.WaitVisible(`#map[data-ready="true"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#trend-chart[data-ready="true"]`, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll('#map path.district').length`, &districts),
			chromedp.Evaluate(`document.querySelectorAll('#trend-chart svg path').length`, &trendPaths),
			chromedp.Text(`#trend-districts td.supp`, &suppressed, chromedp.ByQuery),
			chromedp.Text(`#trend-verdict`, &verdict, chromedp.ByQuery),
			// the map's details (#18 item 6): the legend, the [c] swatch
			// only when a district is suppressed, no Back at district level
			chromedp.Text(`#legend`, &legend, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll('#legend .swatch-suppressed').length`, &swatchC),
			chromedp.Evaluate(`document.querySelectorAll('#district-comparison tbody td.supp').length`, &tableC),
			chromedp.Evaluate(`document.getElementById('area-back').hidden`, &backHidden),
			shot(t, dir, "themes-02-theme"),
		}},
		{"compare with a district", []chromedp.Action{
			chromedp.Focus(`#trend-district`, chromedp.ByQuery),
			chromedp.SetValue(`#trend-district`, "E07000066", chromedp.ByQuery),
			chromedp.Evaluate(`document.getElementById('trend-district').dispatchEvent(new Event('change'))`, nil),
			chromedp.AttributeValue(`#trend-chart`, "data-district", &district, nil, chromedp.ByQuery),
			shot(t, dir, "themes-03-district"),
		}},
		{"drill to a district's LSOAs", []chromedp.Action{
			chromedp.SetValue(`#area-district`, "E07000066", chromedp.ByQuery),
			chromedp.Evaluate(`document.getElementById('area-district').dispatchEvent(new Event('change'))`, nil),
			chromedp.WaitVisible(`#map[data-level="lsoa"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#area-data`, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll('#map path.lsoa').length`, &lsoaPaths),
			chromedp.Evaluate(`document.querySelectorAll('#map path.lsoa-suppressed').length`, &lsoaHatched),
			chromedp.Text(`#legend`, &lsoaLegend, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll('#area-data tbody tr').length`, &lsoaRows),
			chromedp.Text(`#area-data td.supp`, &lsoaSuppressed, chromedp.ByQuery),
			shot(t, dir, "themes-04-lsoas"),
		}},
		{"back to districts", []chromedp.Action{
			chromedp.Click(`#area-back`, chromedp.ByQuery),
			chromedp.WaitVisible(`#map[data-level="district"]`, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll('#map path.district').length - document.querySelectorAll('#map path.lsoa').length`, &back),
			shot(t, dir, "themes-05-back"),
		}},
		{"drill with the keyboard", []chromedp.Action{
			chromedp.Focus(`#map path.district-E07000070`, chromedp.ByQuery),
			chromedp.KeyEvent("\r"),
			chromedp.WaitVisible(`#map[data-level="lsoa"]`, chromedp.ByQuery),
			chromedp.AttributeValue(`#map`, "data-district", &keyed, nil, chromedp.ByQuery),
		}},
	}
	for _, s := range steps {
		if err := chromedp.Run(ctx, s.actions...); err != nil {
			chromedp.Run(ctx, shot(t, dir, "themes-failed-"+strings.ReplaceAll(s.name, " ", "-")))
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	for _, want := range []string{"Violence and vulnerability", "Physical inactivity", "Road casualties"} {
		if !strings.Contains(themes, want) {
			t.Errorf("the themes page lacks %q", want)
		}
	}
	if districts != 14 {
		t.Errorf("the map drew %d districts, want 14", districts)
	}
	if trendPaths == 0 {
		t.Error("the trend chart drew nothing")
	}
	if strings.TrimSpace(suppressed) != "[c]" {
		t.Errorf("a suppressed trend cell shows %q, want [c]", suppressed)
	}
	if !strings.Contains(verdict, "Essex (14 districts)") {
		t.Errorf("verdict %q does not name the county", verdict)
	}
	if lsoaPaths <= 14 || lsoaPaths != lsoaRows {
		t.Errorf("Basildon's LSOA layer drew %d paths with %d table rows, want its LSOAs (more than 14) in both", lsoaPaths, lsoaRows)
	}
	if lsoaHatched == 0 || strings.TrimSpace(lsoaSuppressed) != "[c]" {
		t.Errorf("%d hatched LSOAs and a suppressed LSOA cell showing %q, want some hatched and [c]", lsoaHatched, lsoaSuppressed)
	}
	if m := regexp.MustCompile(`\d\.\d{3}|\d{3}\.\d`).FindString(legend); m != "" {
		t.Errorf("the legend %q shows %q: breaks are rounded to two significant figures", legend, m)
	}
	if strings.Contains(lsoaLegend, "over 0,") || regexp.MustCompile(`\d\.\d{3}`).MatchString(lsoaLegend) {
		t.Errorf("the LSOA legend %q: want rounded breaks and no empty class over 0", lsoaLegend)
	}
	if (swatchC > 0) != (tableC > 0) {
		t.Errorf("the legend has %d [c] swatches and the district table %d suppressed cells: the swatch shows only when something is suppressed", swatchC, tableC)
	}
	if !backHidden {
		t.Error("Back to districts shows at district level")
	}
	if back != 14 {
		t.Errorf("back at the districts the map shows %d more districts than LSOAs, want the 14 districts alone", back)
	}
	if keyed != "E07000070" {
		t.Errorf("Enter on Chelmsford drilled to %q", keyed)
	}
	if district != "E07000066" {
		t.Errorf("after choosing Basildon the chart shows %q", district)
	}
}
