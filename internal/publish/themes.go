package publish

import (
	"sync"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/insight"
)

// ThemeIndicator is one of a theme's indicators as the API lists it.
type ThemeIndicator struct {
	Indicator
	Purpose string `json:"purpose"`
	// Trend is the indicator's trend endpoint.
	Trend string `json:"trend"`
	// Versioned is set when each version of the dataset is a period (a
	// year): a county figure by year.
	Versioned string `json:"version_period,omitempty"`
}

// ThemeCohort is a cohort related to a theme.
type ThemeCohort struct {
	Name        string `json:"name"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Purpose     string `json:"purpose"`
}

// ThemeSummary is a theme with its indicators and related cohorts.
type ThemeSummary struct {
	ID          string           `json:"id"`
	Title       string           `json:"title"`
	Description string           `json:"description"`
	Indicators  []ThemeIndicator `json:"indicators"`
	Cohorts     []ThemeCohort    `json:"cohorts"`
}

// ThemeIndicatorOf describes a named indicator as a theme lists it.
func ThemeIndicatorOf(ind *insight.Indicator) ThemeIndicator {
	return ThemeIndicator{
		Indicator: Indicator{ID: NamedPrefix + ind.Name, Name: ind.Title, Description: ind.Description, Unit: UnitOf(ind), DatasetID: ind.Dataset},
		Purpose:   ind.Purpose, Trend: "/api/indicators/" + NamedPrefix + ind.Name + "/trend", Versioned: ind.VersionPeriod,
	}
}

// shippedTheme is a theme shipped with civiclink and its summary.
type shippedTheme struct {
	theme *insight.Theme
	sum   ThemeSummary
}

// shippedThemes are insight's themes with their summaries by id, read
// from the binary and summarised once (they cannot change while it runs;
// the summaries are shared, never modified).
var shippedThemes = sync.OnceValues(func() (map[string]shippedTheme, error) {
	themes, err := insight.Themes()
	if err != nil {
		return nil, err
	}
	out := map[string]shippedTheme{}
	for _, t := range themes {
		sum, err := Summarise(t)
		if err != nil {
			return nil, err
		}
		out[t.ID] = shippedTheme{t, sum}
	}
	return out, nil
})

// FindTheme returns a shipped theme and its summary by id, as
// insight.FindTheme does (whose error names the choices).
func FindTheme(id string) (*insight.Theme, ThemeSummary, error) {
	all, err := shippedThemes()
	if err != nil {
		return nil, ThemeSummary{}, err
	}
	if st, ok := all[id]; ok {
		return st.theme, st.sum, nil
	}
	_, err = insight.FindTheme(id)
	if err == nil {
		err = fault.Errorf(fault.Internal, "theme %q appeared while the server runs", id)
	}
	return nil, ThemeSummary{}, err
}

// Summarise lists a theme's indicators and cohorts.
func Summarise(t *insight.Theme) (ThemeSummary, error) {
	out := ThemeSummary{ID: t.ID, Title: t.Title, Description: t.Description, Indicators: []ThemeIndicator{}, Cohorts: []ThemeCohort{}}
	for _, ind := range t.Indicators {
		out.Indicators = append(out.Indicators, ThemeIndicatorOf(ind))
	}
	for _, name := range t.Cohorts {
		c, err := insight.FindCohort(name)
		if err != nil {
			return out, err
		}
		out.Cohorts = append(out.Cohorts, ThemeCohort{Name: c.Name, Title: c.Title, Description: c.Description, Purpose: c.Purpose})
	}
	return out, nil
}

// Summaries lists every shipped theme's summary, in insight's order.
func Summaries() ([]ThemeSummary, error) {
	themes, err := insight.Themes()
	if err != nil {
		return nil, err
	}
	out := []ThemeSummary{}
	for _, t := range themes {
		sum, err := Summarise(t)
		if err != nil {
			return nil, err
		}
		out = append(out, sum)
	}
	return out, nil
}

// UnitOf says what an indicator's figures are, before a period is chosen:
// a percentage of its eligible population, or a rate per 1,000 residents.
func UnitOf(ind *insight.Indicator) string {
	if ind.Share != nil {
		return "% of " + ind.Share.Of
	}
	return "per 1,000 residents"
}
