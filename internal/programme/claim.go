package programme

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Claim is an outcome figure quoted in public: the sentence as said and
// the computations that would bear it out.
type Claim struct {
	ID        string `json:"id"`
	Statement string `json:"statement"`
	// Origin says where and when it was said (no person is named).
	Origin string `json:"origin,omitempty"`
	// Project links the claim to a programme project, or is empty.
	Project string `json:"project,omitempty"`
	// Figures are the computations, one per figure the sentence states.
	Figures   []Figure  `json:"figures"`
	UpdatedBy string    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitempty"`
}

// Figure is one computation a claim states values of: an indicator or a
// dataset measure, over an area, compared between periods.
type Figure struct {
	// Label names the figure in the sentence ("road deaths").
	Label string `json:"label"`
	// Indicator names a shipped indicator (counted by its periods), or
	// Dataset names a dataset with a Measure; one of the two.
	Indicator string `json:"indicator,omitempty"`
	Dataset   string `json:"dataset,omitempty"`
	// Measure, for a dataset: count, mean:COLUMN, sum:COLUMN,
	// share:COLUMN=VALUE (a percentage) or levels:COLUMN (how many
	// values of COLUMN have records).
	Measure string `json:"measure,omitempty"`
	// Where filters the dataset's records (insight's filter language).
	Where string `json:"where,omitempty"`
	// Purpose is the registered purpose the figure serves (an
	// indicator's own purpose when empty).
	Purpose string `json:"purpose,omitempty"`
	// Area is "county" (the default) or a district code.
	Area string `json:"area,omitempty"`
	// Period is year, quarter or month to compare periods, or empty for
	// one figure over the window Since–Until.
	Period string `json:"period,omitempty"`
	// Since and Until bound a dataset figure's records (YYYY-MM-DD,
	// inclusive), when set.
	Since string `json:"since,omitempty"`
	Until string `json:"until,omitempty"`
	// Compare names the periods the stated values are for, in order.
	// Empty with a Period: the claim says "year on year" without saying
	// which years, and every consecutive pair is tried, the nearest shown.
	Compare []string `json:"compare,omitempty"`
	// Stated are the values the sentence gives, in order.
	Stated []float64 `json:"stated"`
	// Rounding is how precisely the sentence states them: a value agrees
	// when within half of it (1 for whole numbers, 0.1 for "1.4"; "about
	// 1%" might say 1).
	Rounding float64 `json:"rounding"`
	// Unit is what the values count ("deaths", "%", "days").
	Unit string `json:"unit,omitempty"`
}

// measureKinds are the measures a dataset figure can take.
var measureKinds = []string{"count", "mean", "sum", "share", "levels"}

// MeasureKind splits a measure into its kind and argument: "mean:days" is
// ("mean", "days"); "" is ("count", "").
func (f *Figure) MeasureKind() (kind, arg string) {
	if f.Measure == "" {
		return "count", ""
	}
	kind, arg, _ = strings.Cut(f.Measure, ":")
	return kind, arg
}

// ClaimCheck is what a claim's validation may refer to: indicator names,
// dataset ids, area codes (besides "county") and project ids.
type ClaimCheck struct {
	Indicators []string
	Datasets   []string
	Areas      []string
	Projects   []string
}

// Validate checks every field of c and returns all problems at once: an
// unknown indicator, dataset, period or area is refused with the choices.
func (c *Claim) Validate(k ClaimCheck) error {
	var ps Problems
	if !idRE.MatchString(c.ID) {
		ps.add("id", "give an id of lower-case letters, digits and hyphens (got %q)", c.ID)
	}
	if strings.TrimSpace(c.Statement) == "" {
		ps.add("statement", "give the sentence as it was said")
	}
	if c.Project != "" && !slices.Contains(k.Projects, c.Project) {
		ps.add("project", "no project %q: use one of %s", c.Project, strings.Join(k.Projects, ", "))
	}
	if len(c.Figures) == 0 {
		ps.add("figures", "give at least one figure the sentence states, with its computation")
	}
	for i := range c.Figures {
		c.Figures[i].validate(fmt.Sprintf("figures[%d]", i), k, &ps)
	}
	return ps.err()
}

func (f *Figure) validate(at string, k ClaimCheck, ps *Problems) {
	if strings.TrimSpace(f.Label) == "" {
		ps.add(at+".label", "name the figure")
	}
	switch {
	case (f.Indicator == "") == (f.Dataset == ""):
		ps.add(at+".indicator", "give an indicator or a dataset (one of the two)")
	case f.Indicator != "" && !slices.Contains(k.Indicators, f.Indicator):
		ps.add(at+".indicator", "no indicator %q: use one of %s", f.Indicator, strings.Join(k.Indicators, ", "))
	case f.Dataset != "" && !slices.Contains(k.Datasets, f.Dataset):
		ps.add(at+".dataset", "no dataset %q: use one of %s", f.Dataset, strings.Join(k.Datasets, ", "))
	}
	kind, arg := f.MeasureKind()
	switch {
	case !slices.Contains(measureKinds, kind):
		ps.add(at+".measure", "unknown measure %q: use count, mean:COLUMN, sum:COLUMN, share:COLUMN=VALUE or levels:COLUMN", f.Measure)
	case kind != "count" && arg == "":
		ps.add(at+".measure", "measure %s needs a column, e.g. %s:COLUMN", kind, kind)
	case kind == "share" && !strings.Contains(arg, "="):
		ps.add(at+".measure", "a share names the column and the value counted, e.g. share:place_of_safety=custody")
	case f.Indicator != "" && kind != "count":
		ps.add(at+".measure", "an indicator is a count: give a dataset for measure %s", f.Measure)
	}
	if f.Area != "" && f.Area != "county" && !slices.Contains(k.Areas, f.Area) {
		ps.add(at+".area", "unknown area %q: use county or a district code (%s)", f.Area, strings.Join(k.Areas, ", "))
	}
	if f.Dataset != "" && f.Area != "" && f.Area != "county" {
		ps.add(at+".area", "a dataset figure is for the county: give an indicator for a district's figure")
	}
	f.validatePeriods(at, ps)
	if len(f.Stated) == 0 {
		ps.add(at+".stated", "give the value or values the sentence states")
	}
	if slices.ContainsFunc(f.Stated, notANumber) {
		ps.add(at+".stated", "give each stated value as a number, like 52 or 1.4")
	}
	if !(f.Rounding > 0) || notANumber(f.Rounding) {
		ps.add(at+".rounding", "say how precisely the values are stated, as a number (1 for whole numbers, 0.1 for one decimal place)")
	}
}

// notANumber reports a value a form could not read as a number.
func notANumber(f float64) bool { return math.IsNaN(f) || math.IsInf(f, 0) }

func (f *Figure) validatePeriods(at string, ps *Problems) {
	if f.Period != "" && !slices.Contains([]string{"year", "quarter", "month"}, f.Period) {
		ps.add(at+".period", "unknown period %q: use year, quarter or month, or none for one figure over since–until", f.Period)
	}
	var since, until time.Time
	var err error
	if f.Since != "" {
		if since, err = time.Parse(time.DateOnly, f.Since); err != nil {
			ps.add(at+".since", "give the first day as YYYY-MM-DD (got %q)", f.Since)
		}
	}
	if f.Until != "" {
		if until, err = time.Parse(time.DateOnly, f.Until); err != nil {
			ps.add(at+".until", "give the last day as YYYY-MM-DD (got %q)", f.Until)
		}
	}
	if !since.IsZero() && !until.IsZero() && until.Before(since) {
		ps.add(at+".until", "the dates are out of order: %s is before %s", f.Until, f.Since)
	}
	if f.Indicator != "" && (f.Since != "" || f.Until != "") {
		ps.add(at+".since", "an indicator figure compares periods: give compare, not since and until")
	}
	if len(f.Compare) > 0 {
		if f.Period == "" {
			ps.add(at+".compare", "comparing periods needs a period (year, quarter or month)")
		}
		if len(f.Compare) != len(f.Stated) {
			ps.add(at+".compare", "give one period per stated value (%d periods, %d values)", len(f.Compare), len(f.Stated))
		}
		for i, p := range f.Compare {
			if !periodOf(f.Period, p) {
				ps.add(fmt.Sprintf("%s.compare[%d]", at, i), "%q is not a %s (e.g. %s)", p, f.Period, periodExample(f.Period))
			} else if i > 0 && p <= f.Compare[i-1] {
				ps.add(fmt.Sprintf("%s.compare[%d]", at, i), "the periods are out of order: %s comes after %s", f.Compare[i-1], p)
			}
		}
	} else if f.Period != "" && len(f.Stated) != 2 {
		ps.add(at+".compare", "name the periods the values are for, or state two values to compare consecutive periods")
	} else if f.Period == "" && len(f.Stated) > 1 {
		ps.add(at+".stated", "one figure over since–until states one value: give a period to compare several")
	}
}

var periodFormats = map[string]string{"year": `^\d{4}$`, "quarter": `^\d{4}-Q[1-4]$`, "month": `^\d{4}-(0[1-9]|1[0-2])$`}

func periodOf(period, label string) bool {
	re, ok := periodFormats[period]
	return ok && matches(re, label)
}

func periodExample(period string) string {
	return map[string]string{"year": "2018", "quarter": "2018-Q2", "month": "2018-05"}[period]
}
