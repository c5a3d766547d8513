package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/insight"
)

// ShownIndicators are the named indicators the demo prints: one for each
// of a few partnership priorities, over synthetic and real data.
var ShownIndicators = []string{"domestic-abuse-victims", "avoidable-ae-attendances", "not-school-ready", "street-violence"}

// indicators prints, for each shown indicator, the county's rate per
// 1,000 residents, the districts whose rate is above the county's (by 95%
// intervals), and the trend over the months of the data. Every figure is
// disclosure-controlled and governed like any other read.
func (f Flow) indicators(ctx context.Context, e *insight.Engine, sum *Summary) error {
	all, err := insight.Indicators()
	if err != nil {
		return err
	}
	for _, name := range ShownIndicators {
		ind, ok := all[name]
		if !ok {
			return fmt.Errorf("demo: indicator %s is not shipped", name)
		}
		u := sum.Staff["county.analyst"]
		tab, err := e.Indicator(ctx, u, ind, []string{insight.DimDistrict})
		if err != nil {
			return fmt.Errorf("indicator %s: %w", name, err)
		}
		tr, err := e.Trend(ctx, u, insight.TrendQuery{Indicator: ind})
		if err != nil {
			return fmt.Errorf("trend of %s: %w", name, err)
		}
		sum.Trends[name] = tr
		fmt.Fprintf(f.Log, "  %s\n    %s\n", ind.Title, describeRates(tab, e))
		if len(tr.Series) > 0 {
			t := tr.Series[0].Test
			fmt.Fprintf(f.Log, "    trend over %d %ss: %s", t.Periods, tr.Period, t.Verdict)
			if t.RatioPerYear > 0 {
				fmt.Fprintf(f.Log, " (×%.2f a year, 95%% CI %.2f–%.2f)", t.RatioPerYear, t.Lower, t.Upper)
			}
			fmt.Fprintln(f.Log)
		}
	}
	return nil
}

// describeRates says the county's rate and which districts are higher.
func describeRates(tab *insight.IndicatorTable, e *insight.Engine) string {
	county := "[c]"
	var higher []string
	suppressed := 0
	for _, c := range tab.Cells {
		if len(c.Levels) == 0 {
			continue
		}
		switch {
		case c.Levels[0] == disclose.TotalLevel:
			if c.Rate != nil {
				county = fmt.Sprintf("%.1f %s (count %s)", c.Rate.Value, tab.Unit, c.Count)
			}
		case c.Count == disclose.Confidential:
			suppressed++
		case c.VsCounty == "higher":
			name := c.Levels[0]
			if e.Geo != nil {
				if lad, ok := e.Geo.LAD(name); ok {
					name = lad.Name
				}
			}
			higher = append(higher, name)
		}
	}
	s := "county " + county
	if len(higher) > 0 {
		s += "; higher than the county: " + strings.Join(higher, ", ")
	} else {
		s += "; no district clearly higher than the county"
	}
	if suppressed > 0 {
		s += fmt.Sprintf("; %d districts [c]", suppressed)
	}
	return s
}
