package web

import (
	"regexp"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/publish"
)

// TestThemeRateCellsReadable renders the theme page's rate cells (the
// district, trend and cohort tables) for published counts: a cohort of
// 22 people over a large population once read "0.00 (0.00–0.00)"; every
// published count's rate and interval must read as a number that is not
// zero, to two significant figures at least.
func TestThemeRateCellsReadable(t *testing.T) {
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	cohort := insight.CrudeRate(22, 1.87e6*5, 1000) // 22 people, ONS Essex over five years
	share := insight.Rate{Count: 22, Population: 90, Per: 100, Value: 24.4, Lower: 16.8, Upper: 34.2}
	usual := insight.CrudeRate(41, 10000*4.7, 1000)
	tests := []struct {
		name        string
		rate        insight.Rate
		value, span string
	}{
		{"a cohort over a large population", cohort, "0.0024", "0.0015–0.0036"},
		{"a percentage", share, "24.40", "16.80–34.20"},
		{"a rate per 1,000 a year", usual, "0.87", "0.63–1.18"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := pages["theme"].ExecuteTemplate(&b, "rate-cells", publish.DistrictRate{Count: "22", Rate: &tt.rate}); err != nil {
				t.Fatal(err)
			}
			cells := regexp.MustCompile(`<td class="num">([^<]*)</td>`).FindAllStringSubmatch(b.String(), -1)
			if len(cells) != 3 {
				t.Fatalf("cells %q, want count, rate and interval", b.String())
			}
			if got := cells[1][1]; got != tt.value {
				t.Errorf("rate %q, want %q (%g)", got, tt.value, tt.rate.Value)
			}
			if got := cells[2][1]; got != tt.span {
				t.Errorf("interval %q, want %q (%g–%g)", got, tt.span, tt.rate.Lower, tt.rate.Upper)
			}
			if strings.Contains(b.String(), ">0.00<") || strings.Contains(b.String(), "0.00–0.00") {
				t.Errorf("a published count's rate reads as zero: %s", b.String())
			}
		})
	}
}
