package web

// The OpenAPI schemas of the theme and trend routes, added to the
// document's components beside the routes they describe.
func init() {
	num := obj{"type": "number"}
	rate := obj{"type": "object", "nullable": true, "description": "per 1,000 residents; absent when the count is suppressed",
		"properties": obj{"count": integer(), "population": num, "per": num, "value": num, "lower": num, "upper": num}}
	cohort := obj{"type": "object", "properties": obj{"name": str(), "title": str(), "description": str(), "purpose": str()}}
	theme := obj{"type": "object", "properties": obj{
		"id": str(), "title": str(), "description": str(),
		"indicators": arr(obj{"type": "object", "properties": obj{
			"id": str(), "name": str(), "description": str(), "unit": str(), "dataset": str(),
			"purpose": str(), "trend": str(), "version_period": str(),
		}}),
		"cohorts": arr(cohort),
	}}
	count := obj{"type": "string", "description": "the published count, or [c] when suppressed (never 0 for a suppressed count)"}
	districtRate := obj{"type": "object", "properties": obj{
		"code": str(), "name": str(), "count": count, "suppressed": obj{"type": "boolean"}, "rate": rate,
		"vs_county": obj{"type": "string", "enum": []string{"higher", "lower", "similar"}},
	}}
	schemas["Theme"] = theme
	schemas["ThemeList"] = obj{"type": "object", "properties": obj{"themes": arr(ref("Theme"))}}
	schemas["ThemeFigures"] = obj{"type": "object", "properties": obj{
		"theme": ref("Theme"),
		"figures": arr(obj{"type": "object", "properties": obj{
			"indicator": obj{"type": "object"}, "districts": arr(districtRate), "county": districtRate,
			"error":      obj{"type": "string", "description": "why the figure is withheld from this user (e.g. no agreement), or why it has no districts"},
			"error_code": str(),
		}}),
	}}
	test := obj{"type": "object", "properties": obj{
		"method": str(), "periods": integer(), "ratio_per_year": num, "lower_95": num, "upper_95": num, "dispersion": num,
		"verdict": obj{"type": "string", "enum": []string{"rising", "falling", "no clear change", "too few published periods"}},
	}}
	schemas["Trend"] = obj{"type": "object", "properties": obj{
		"indicator": obj{"type": "object"}, "period": obj{"type": "string", "enum": []string{"month", "quarter", "year"}},
		"unit": str(), "periods": arr(str()), "notes": arr(str()),
		"series": arr(obj{"type": "object", "description": "the county (code Total) first, then each district", "properties": obj{
			"code": str(), "name": str(), "test": test,
			"points": arr(obj{"type": "object", "properties": obj{"period": str(), "count": count, "rate": rate,
				"vs_county": obj{"type": "string", "enum": []string{"higher", "lower", "similar"}}}}),
		}}),
	}}
}
