package web

// The OpenAPI schemas of the programme and claims routes.
func init() {
	num := obj{"type": "number"}
	status := obj{"type": "string", "enum": []string{"not-started", "on-track", "at-risk", "done"}}
	deliverable := obj{"type": "object", "properties": obj{"id": str(), "title": str(), "due": obj{"type": "string", "format": "date"}, "status": status, "evidence": str()}}
	measure := obj{"type": "object", "properties": obj{"id": str(), "title": str(), "indicator": str(), "baseline": str(),
		"target_percent": num, "direction": obj{"type": "string", "enum": []string{"lower", "higher"}}}}
	schemas["Project"] = obj{"type": "object", "properties": obj{
		"id": str(), "title": str(), "theme": str(), "summary": arr(str()), "sponsors": arr(str()), "status": status,
		"deliverables": arr(deliverable), "measures": arr(measure), "updated_by": str(), "updated_at": obj{"type": "string", "format": "date-time"},
	}}
	schemas["ProjectList"] = obj{"type": "object", "properties": obj{"projects": arr(ref("Project"))}}
	schemas["Update"] = obj{"type": "object", "properties": obj{
		"id": integer(), "project": str(), "author": str(), "partner": str(), "at": obj{"type": "string", "format": "date-time"},
		"text": str(), "deliverable": str(), "from": status, "to": status,
	}}
	schemas["ProjectDetail"] = obj{"type": "object", "properties": obj{"project": ref("Project"), "updates": arr(ref("Update")),
		"may_update":  obj{"type": "boolean", "description": "whether the signed-in user may post updates to it"},
		"update_note": obj{"type": "string", "description": "why the signed-in user may not post updates to it (empty when they may)"}}}
	value := obj{"type": "object", "properties": obj{"figure": str(), "period": str(), "value": num,
		"upper": obj{"type": "number", "description": "the most it can be, when withheld cells make the value a range"},
		"shown": obj{"type": "string", "description": "as published ([c] when withheld)"}, "unit": str()}}
	verdict := obj{"type": "string", "enum": []string{"confirmed", "differs", "cannot-check"}}
	figure := obj{"type": "object", "properties": obj{"label": str(), "status": verdict, "stated": arr(value), "computed": arr(value),
		"gap": str(), "reason": obj{"type": "string", "description": "why it cannot be checked: the missing data, a withheld figure or the refusal"},
		"source": str(), "series": arr(value), "protection": str()}}
	schemas["Assembly"] = obj{"type": "object", "description": "the report to the Essex Assembly: every figure disclosure-controlled, with its period", "properties": obj{
		"title": str(), "generated": obj{"type": "string", "format": "date-time"}, "by": str(), "since": obj{"type": "string", "format": "date-time"},
		"projects": arr(obj{"type": "object", "properties": obj{"project": ref("Project"), "updates": arr(ref("Update")),
			"measures": arr(obj{"type": "object", "properties": obj{"title": str(), "period": str(), "unit": str(),
				"points": arr(obj{"type": "object"}), "change_percent": num,
				"verdict": obj{"type": "string", "enum": []string{"target met", "improving", "not improving", "cannot tell"}}, "reason": str(), "protection": str()}})}}),
		"claims": arr(obj{"type": "object"}),
	}}
	schemas["PublicProgramme"] = obj{"type": "object", "properties": obj{
		"projects": arr(ref("Project")),
		"report": obj{"type": "object", "nullable": true, "description": "the newest released report to the Assembly (output checked and released); null until one is", "properties": obj{
			"output": integer(), "version": integer(), "released_at": obj{"type": "string", "format": "date-time"},
			"generated": obj{"type": "string", "format": "date-time"}, "since": obj{"type": "string", "format": "date-time"},
			"measures": arr(obj{"type": "object", "properties": obj{"project": str(), "project_title": str(), "title": str(), "period": str(), "unit": str(),
				"points": arr(obj{"type": "object"}), "change_percent": num, "verdict": str(), "reason": str(), "protection": str()}}),
			"claims": arr(obj{"type": "object"}),
		}},
		"report_note": obj{"type": "string", "description": "says that no report has been released yet, when report is null"},
	}}
	scores := obj{"type": "object", "description": "mean level (1 beginning … 5 mastering) per area", "properties": obj{"assets": num, "capabilities": num, "capacity": num}}
	rounds := arr(obj{"type": "object", "properties": obj{"round": str(), "scores": scores, "partners": integer()}})
	schemas["Maturity"] = obj{"type": "object", "properties": obj{
		"questions": arr(obj{"type": "object", "properties": obj{"id": str(), "area": str(), "text": str()}}),
		"levels":    arr(str()),
		"partners":  obj{"type": "object", "description": "per partner id, its rounds oldest first", "additionalProperties": rounds},
		"system":    rounds,
	}}
	schemas["Assessment"] = obj{"type": "object", "properties": obj{"id": integer(), "partner": str(), "round": str(),
		"answers": obj{"type": "object", "additionalProperties": integer()}, "by": str(), "at": obj{"type": "string", "format": "date-time"}}}
	schemas["Claim"] = obj{"type": "object", "description": "an outcome figure quoted in public and the computations that would bear it out", "properties": obj{
		"id": str(), "statement": str(), "origin": str(), "project": str(), "updated_by": str(), "updated_at": obj{"type": "string", "format": "date-time"},
		"figures": arr(obj{"type": "object", "properties": obj{
			"label": str(), "indicator": obj{"type": "string", "description": "a shipped indicator (or give dataset)"},
			"dataset": str(), "measure": obj{"type": "string", "description": "count, mean:COLUMN, sum:COLUMN, share:COLUMN=VALUE or levels:COLUMN"},
			"where": str(), "purpose": str(), "area": obj{"type": "string", "description": "county or a district code"},
			"period": obj{"type": "string", "enum": []string{"", "year", "quarter", "month"}},
			"since":  obj{"type": "string", "format": "date"}, "until": obj{"type": "string", "format": "date"},
			"compare": arr(str()), "stated": arr(num), "rounding": num, "unit": str(),
		}}),
	}}
	schemas["ClaimResultList"] = obj{"type": "object", "properties": obj{"claims": arr(obj{"type": "object", "properties": obj{
		"id": str(), "statement": str(), "status": verdict, "computed": arr(value), "stated": arr(value), "source": str(),
		"project": str(), "figures": arr(figure),
	}})}}
}
