package community

import (
	"slices"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
)

// Theme is a term of the directory's taxonomy of support.
type Theme struct {
	ID    string `json:"id"`
	Title string `json:"name"`
	// Indicator names the shipped indicator that measures need for the
	// theme (its rate per 1,000 by district), or is empty when none does.
	Indicator string `json:"x_indicator,omitempty"`
}

// Themes is the taxonomy, in display order.
var Themes = []Theme{
	{ID: "mental-health", Title: "Mental health", Indicator: "s136-detentions"},
	{ID: "homelessness", Title: "Homelessness", Indicator: "homelessness-presentations"},
	{ID: "domestic-abuse", Title: "Domestic abuse", Indicator: "domestic-abuse-victims"},
	{ID: "youth", Title: "Youth", Indicator: "street-violence"},
	{ID: "loneliness", Title: "Loneliness and isolation"},
	{ID: "physical-activity", Title: "Physical activity", Indicator: "physically-inactive-adults"},
	{ID: "food", Title: "Food"},
	{ID: "faith", Title: "Faith"},
	{ID: "money-advice", Title: "Money advice"},
	{ID: "carers", Title: "Carers"},
	{ID: "early-years", Title: "Early years", Indicator: "not-school-ready"},
	{ID: "health-access", Title: "Health access", Indicator: "avoidable-ae-attendances"},
}

// FindTheme returns the theme with the given id, or an error naming the
// choices.
func FindTheme(id string) (*Theme, error) {
	for i := range Themes {
		if Themes[i].ID == id {
			return &Themes[i], nil
		}
	}
	ids := make([]string, len(Themes))
	for i, t := range Themes {
		ids[i] = t.ID
	}
	return nil, fault.FieldErrorf(fault.Invalid, "themes", "unknown theme %q: use one of %s", id, strings.Join(ids, ", "))
}

// Weekdays are the ORUK byday codes, Monday first.
var Weekdays = []string{"MO", "TU", "WE", "TH", "FR", "SA", "SU"}

// validWeekday reports whether d is a byday code.
func validWeekday(d string) bool { return slices.Contains(Weekdays, d) }
