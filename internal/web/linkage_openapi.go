package web

// The linkage API's response schemas, added to the OpenAPI document's
// components beside the routes that use them.
func init() {
	num := obj{"type": "number"}
	estimate := obj{"type": "object", "properties": obj{"precision": num, "recall": num, "scope": str()}}
	truth := obj{"type": "object", "properties": obj{"precision": num, "recall": num, "f1": num, "bcubed_f1": num}}
	versions := arr(obj{"type": "object", "properties": obj{"dataset": str(), "version": integer()}})
	schemas["LinkageRun"] = obj{"type": "object", "properties": obj{
		"id": integer(), "created_by": str(), "created_at": dateTime(), "datasets": versions, "purpose": str(), "mode": str(), "parent_id": integer(),
		"restricted": str(), "records": integer(), "entities": integer(), "matches": integer(), "threshold": num,
		"estimate": estimate, "truth": truth,
	}}
	schemas["LinkageRunList"] = obj{"type": "object", "properties": obj{"runs": arr(ref("LinkageRun"))}}
	schemas["LinkableList"] = obj{"type": "object", "properties": obj{"purpose": str(), "datasets": arr(obj{"type": "object", "properties": obj{
		"id": str(), "name": str(), "partner": str(), "allowed": obj{"type": "boolean"}, "reason": str(),
	}})}}
	schemas["LinkageQuality"] = obj{"type": "object", "properties": obj{
		"run": ref("LinkageRun"), "purpose": str(), "model": obj{"type": "object"}, "blocking": obj{"type": "object"}, "clusters": obj{"type": "object"},
		"histogram":       arr(obj{"type": "object", "properties": obj{"from": num, "to": num, "pairs": integer(), "matched": integer()}}),
		"histogram_scope": str(),
		"dataset_pairs":   arr(obj{"type": "object", "properties": obj{"left": str(), "right": str(), "candidates": integer(), "links": integer()}}),
		"notes":           arr(str()),
	}}
	schemas["ReviewPair"] = obj{"type": "object", "properties": obj{
		"pair": integer(), "dataset_left": str(), "dataset_right": str(), "probability": num, "weight": num,
		"fields":   arr(obj{"type": "object", "properties": obj{"comparison": str(), "level": str(), "weight": num}}),
		"decision": obj{"type": "object", "properties": obj{"decision": str(), "note": str(), "decided_by": str(), "decided_at": dateTime()}},
	}}
	schemas["ReviewList"] = obj{"type": "object", "properties": obj{"run": ref("LinkageRun"), "threshold": num, "pairs": arr(ref("ReviewPair")),
		"total": integer(), "page": integer(), "pages": integer(), "decided": integer()}}
}

// The Job schema also describes linkage jobs.
func init() {
	if job, ok := schemas["Job"].(obj); ok {
		if props, ok := job["properties"].(obj); ok {
			props["kind"] = obj{"type": "string", "enum": []string{jobUpload, jobLinkage}}
			props["stage"], props["purpose"], props["run"] = str(), str(), integer()
			props["datasets"] = arr(str())
		}
	}
}
