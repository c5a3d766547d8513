package insight

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/civiclink/civiclink/internal/disclose"
)

// byDistrict reports whether the trend has district series.
func (t *Trend) byDistrict() bool { return len(t.Series) > 1 }

// WriteCSV writes one header row and one row per area and period: the
// district code (when by district; Total is the county), the period, the
// published count ([c] when suppressed), the rate per 1,000 residents with
// its 95% interval, and a district's comparison with the county. A
// suppressed count's rate columns are [c] too, never 0 or blank. The last
// columns say how the counts were protected ([disclose.ProtectionHeader]).
func (t *Trend) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"period", "count", "rate_per_1000", "lower_95", "upper_95", "vs_county"}
	if t.byDistrict() {
		head = append([]string{DimDistrict}, head...)
	}
	cw.Write(append(head, disclose.ProtectionHeader...))
	prot := disclose.ProtectionValues(t.Result.Protection)
	for _, s := range t.Series {
		for _, p := range s.Points {
			row := []string{p.Period, p.Count}
			switch {
			case p.Rate != nil:
				row = append(row, num(p.Rate.Value), num(p.Rate.Lower), num(p.Rate.Upper), p.VsCounty)
			case p.Count == disclose.Confidential:
				row = append(row, disclose.Confidential, disclose.Confidential, disclose.Confidential, disclose.Confidential)
			default:
				row = append(row, "", "", "", "")
			}
			if t.byDistrict() {
				row = append([]string{s.Code}, row...)
			}
			cw.Write(append(row, prot...))
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteSummaryCSV writes the trend test of each area: one header row and
// one row per series.
func (t *Trend) WriteSummaryCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{DimDistrict, "name", "periods_tested", "ratio_per_year", "lower_95", "upper_95", "dispersion", "verdict"})
	for _, s := range t.Series {
		row := []string{s.Code, s.Name, strconv.Itoa(s.Test.Periods)}
		if s.Test.Verdict == TooFewPeriods {
			row = append(row, "", "", "", "")
		} else {
			row = append(row, num(s.Test.RatioPerYear), num(s.Test.Lower), num(s.Test.Upper), num(s.Test.Dispersion))
		}
		cw.Write(append(row, s.Test.Verdict))
	}
	cw.Flush()
	return cw.Error()
}
