package insight

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/definitions"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// Indicator is a named figure of the shared picture: a count of one
// dataset's records (optionally filtered) or of a cohort's members, by
// district and period, with rates per 1,000 residents.
type Indicator struct {
	Name        string `json:"name"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	// Theme groups indicators into the partnership's priorities.
	Theme   string `json:"theme"`
	Purpose string `json:"purpose"`
	// Either a dataset (with an optional filter) or a named cohort.
	Dataset string `json:"dataset,omitempty"`
	Where   string `json:"where,omitempty"`
	Cohort  string `json:"cohort,omitempty"`
	// RealData marks an indicator over real data covering the whole county
	// (not the synthetic county), so its rates use the full populations
	// whatever the engine's PopulationScale.
	RealData bool `json:"real_data,omitempty"`
	// VersionPeriod, when set (e.g. "year"), says each version of the
	// dataset holds one such period, as DfT publishes STATS19 a year to a
	// file; its trend counts each version, labelled by the year in the
	// version's source file name.
	VersionPeriod string `json:"version_period,omitempty"`
	// Share, when set, makes the indicator a proportion rather than a
	// rate per 1,000 residents: of the records Where keeps (the eligible
	// population, e.g. Reception pupils), the percentage whose column has
	// the value (e.g. not reaching a good level of development), with a
	// Wilson 95% interval. Numerator and denominator come from one
	// disclosure-controlled table (the value's cell and its margin).
	Share *Share `json:"share,omitempty"`
}

// Share is what a proportion indicator counts: the records whose Column
// has Value, out of all the records the indicator keeps (described by Of,
// e.g. "Reception pupils").
type Share struct {
	Column string `json:"column"`
	Value  string `json:"value"`
	Of     string `json:"of"`
}

// IndicatorTable is an indicator's disclosure-controlled table and its
// rates.
type IndicatorTable struct {
	Indicator *Indicator       `json:"indicator"`
	Result    *disclose.Result `json:"-"`
	Cells     []RateCell       `json:"cells"`
	// Protection says how the counts were protected (and the note a
	// page footnotes).
	Protection any `json:"protection"`
	// Period is the time the figures cover ("12 months to 2023-12",
	// "2018-2023"); "" for data without dates. Window is its detail when
	// the table has no period dimension of its own.
	Period string  `json:"period"`
	Window *Window `json:"window,omitempty"`
	// Unit says what the rates are, e.g. "per 1,000 residents a year
	// (12 months to 2023-12)": over a year or more they are per year; or
	// for a share, "% of Reception pupils".
	Unit string `json:"unit"`

	full *disclose.Result // a share's table with its share dimension
}

// Indicators returns the indicators shipped with civiclink, by name.
func Indicators() (map[string]*Indicator, error) {
	files, err := definitions.Kind("indicators")
	if err != nil {
		return nil, err
	}
	out := map[string]*Indicator{}
	for _, file := range files {
		f := file.Path
		dec := json.NewDecoder(bytes.NewReader(file.Data))
		dec.DisallowUnknownFields()
		var ind Indicator
		if err := dec.Decode(&ind); err != nil {
			return nil, fault.Errorf(fault.Internal, "shipped indicator %s: %v", f, err)
		}
		if (ind.Dataset == "") == (ind.Cohort == "") {
			return nil, fault.Errorf(fault.Internal, "shipped indicator %s: give a dataset or a cohort", f)
		}
		if ind.Share != nil && (ind.Dataset == "" || ind.Share.Column == "" || ind.Share.Value == "" || ind.Share.Of == "") {
			return nil, fault.Errorf(fault.Internal, "shipped indicator %s: a share needs a dataset, and its column, value and what it is of", f)
		}
		out[ind.Name] = &ind
	}
	return out, nil
}

// FindIndicator returns a shipped indicator by name.
func FindIndicator(name string) (*Indicator, error) {
	all, err := Indicators()
	if err != nil {
		return nil, err
	}
	if ind, ok := all[name]; ok {
		return ind, nil
	}
	var names []string
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	return nil, fault.Errorf(fault.NotFound, "no indicator %q: try %s", name, strings.Join(names, ", "))
}

// Indicator computes ind by the given dimensions (district and/or a
// period) for user u.
func (e *Engine) Indicator(ctx context.Context, u *govern.User, ind *Indicator, by []string) (*IndicatorTable, error) {
	return e.IndicatorPeriod(ctx, u, ind, by, "")
}

// IndicatorPeriod is [Engine.Indicator] over the period named ("" for
// the default; see [Engine.PrepareIndicatorPeriod]).
func (e *Engine) IndicatorPeriod(ctx context.Context, u *govern.User, ind *Indicator, by []string, period string) (*IndicatorTable, error) {
	r, err := e.prepareIndicator(ctx, u, ind, by, period, false)
	if err != nil {
		return nil, err
	}
	return e.ComputeIndicator(ctx, r)
}

// WriteCSV writes the table with one header row and one row per cell:
// the levels, the period the figures cover (unless a level is a period),
// the published count ([c] when suppressed) and, where a
// district population is known and the count is published, the rate per
// 1,000 residents with its 95% interval and how it compares with the
// county's (higher, lower or similar), what the rate is per (e.g. "per
// 1,000 residents a year (12 months to 2023-12)"), then how the figures were
// protected ([disclose.ProtectionHeader]).
func (t *IndicatorTable) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	var head []string
	for _, d := range t.Result.Dims {
		head = append(head, d.Name)
	}
	// A table without a period dimension states its window in a period
	// column; one with states each row's period in it already.
	period := !hasPeriodDim(head)
	if period {
		head = append(head, "period")
	}
	share := t.Indicator != nil && t.Indicator.Share != nil
	if share {
		head = append(head, "count", "eligible", "percent")
	} else {
		head = append(head, "count", "rate_per_1000")
	}
	cw.Write(append(append(head, "lower_95", "upper_95", "vs_county", "rate_unit"), disclose.ProtectionHeader...))
	prot := append([]string{t.Unit}, disclose.ProtectionValues(t.Result.Protection)...)
	for _, c := range t.Cells {
		row := append([]string(nil), c.Levels...)
		if period {
			row = append(row, t.Period)
		}
		row = append(row, c.Count)
		if share {
			row = append(row, c.Denominator)
		}
		if c.Rate != nil {
			row = append(row, num(c.Rate.Value), num(c.Rate.Lower), num(c.Rate.Upper), c.VsCounty)
		} else if c.Count == disclose.Confidential {
			row = append(row, disclose.Confidential, disclose.Confidential, disclose.Confidential, disclose.Confidential)
		} else {
			row = append(row, "", "", "", "")
		}
		cw.Write(append(row, prot...))
	}
	cw.Flush()
	return cw.Error()
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', 3, 64) }

// By returns the table's dimension names.
func (t *IndicatorTable) By() []string {
	var out []string
	for _, d := range t.Result.Dims {
		out = append(out, d.Name)
	}
	return out
}

// IndicatorReads returns what computing ind by the given dimensions reads:
// each dataset and exactly its columns touched.
func (e *Engine) IndicatorReads(ctx context.Context, ind *Indicator, by []string) ([]govern.Read, error) {
	if ind.Cohort != "" {
		c, err := FindCohort(ind.Cohort)
		if err != nil {
			return nil, err
		}
		run, err := e.Store.CurrentLinkageRun(ctx)
		if err != nil {
			return nil, err
		}
		var reads []govern.Read
		for _, name := range c.EventNames() {
			_, read, err := e.source(ctx, run, name, c.Events[name])
			if err != nil {
				return nil, err
			}
			reads = append(reads, read)
		}
		return reads, nil
	}
	d, err := e.Store.Dataset(ctx, ind.Dataset)
	if err != nil {
		return nil, err
	}
	v, err := e.Store.Version(ctx, d.ID, 0)
	if err != nil {
		return nil, err
	}
	if len(by) == 0 {
		by = []string{DimDistrict}
	}
	spec, _, _, err := e.aggregateSpec(d, v, AggregateQuery{Dataset: ind.Dataset, Where: ind.Where, By: by})
	if err != nil {
		return nil, err
	}
	return []govern.Read{{Dataset: d.ID, Columns: specColumns(spec)}}, nil
}
