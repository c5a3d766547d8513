package web

// The OpenAPI schemas of the citizen-voice routes.
func init() {
	boolean := obj{"type": "boolean"}
	num := obj{"type": "number"}
	figure := obj{"type": "object", "properties": obj{
		"count": integer(), "display": obj{"type": "string", "description": "the published count, or [c] when suppressed"},
		"suppressed": boolean, "share": obj{"type": "number", "description": "percent of the group's published total; absent when either is suppressed"},
	}}
	question := obj{"type": "object", "properties": obj{
		"id": str(), "kind": obj{"type": "string", "enum": []string{"scale", "choice", "text"}}, "prompt": str(),
		"options": arr(str()), "agree": integer(),
	}}
	session := obj{"type": "object", "properties": obj{"id": str(), "programme": str(), "date": obj{"type": "string", "format": "date-time"},
		"place": str(), "district": str(), "host": str(), "wave": integer()}}
	theme := obj{"type": "object", "properties": obj{"id": str(), "label": str(), "rules": arr(str()), "data_theme": str()}}
	schemas["VoiceProgrammeList"] = obj{"type": "object", "properties": obj{"programmes": arr(obj{"type": "object", "properties": obj{
		"id": str(), "title": str(), "questions": integer(), "sessions": integer(), "responses": integer()}})}}
	schemas["VoiceProgramme"] = obj{"type": "object", "properties": obj{
		"id": str(), "title": str(), "description": str(), "host": str(), "questions": arr(question),
		"sessions": arr(session), "codebook": arr(theme), "created_at": str(), "created_by": str(),
	}}
	schemas["VoiceInput"] = obj{"type": "object", "required": []string{"session", "consent_store", "consent_quote", "answers"}, "properties": obj{
		"id":            obj{"type": "string", "description": "the client's id for this response: a retry with the same id is not stored twice"},
		"session":       str(),
		"district":      obj{"type": "string", "description": "where the resident lives (ONS code or name); the session's district when absent"},
		"age_band":      obj{"type": "string", "enum": []string{"", "16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"}},
		"consent_store": obj{"type": "boolean", "description": "must be true: without consent nothing is stored"},
		"consent_quote": boolean,
		"answers": obj{"type": "object", "additionalProperties": str(),
			"description": "answer by question id: a scale's label or number (1 = first option), a choice's label, or free text (at most 2,000 characters; redacted before it is stored)"},
	}}
	schemas["VoiceResponse"] = obj{"type": "object", "properties": obj{
		"id": str(), "programme": str(), "session": str(), "district": str(), "age_band": str(),
		"consent_store": boolean, "consent_quote": boolean, "captured_by": str(), "captured_at": str(),
		"answers": arr(obj{"type": "object", "properties": obj{"question": str(), "option": str(), "text": obj{"type": "string", "description": "redacted: identifiers replaced by markers such as [email]"}}}),
	}}
	schemas["VoiceResults"] = obj{"type": "object", "properties": obj{
		"programme": str(), "question": str(), "prompt": str(), "kind": str(), "options": arr(str()), "by": arr(str()),
		"rows":       arr(obj{"type": "object", "properties": obj{"group": arr(str()), "labels": arr(str()), "options": arr(figure), "total": figure}}),
		"protection": obj{"type": "object"},
	}}
	schemas["VoiceTrend"] = obj{"type": "object", "properties": obj{
		"programme": str(), "question": str(), "prompt": str(), "agree_label": str(), "district": str(),
		"points": arr(obj{"type": "object", "properties": obj{"wave": integer(), "n": figure, "agree": figure,
			"share": num, "low": num, "high": num}}),
		"protection": obj{"type": "object"},
	}}
	schemas["VoiceThemes"] = obj{"type": "object", "properties": obj{"themes": arr(obj{"type": "object", "properties": obj{
		"theme": str(), "label": str(), "data_theme": str(),
		"rows":       arr(obj{"type": "object", "properties": obj{"district": str(), "name": str(), "mentions": figure, "answered": figure}}),
		"protection": obj{"type": "object"},
	}})}}
	schemas["VoiceQuotes"] = obj{"type": "object", "properties": obj{"quotes": arr(obj{"type": "object", "properties": obj{
		"id": str(), "programme": str(), "response": str(), "question": str(), "text": str(), "district": str(), "theme": str(),
		"state":       obj{"type": "string", "enum": []string{"proposed", "approved", "rejected", "released"}},
		"proposed_by": str(), "checked_by": str(), "released_at": str(), "digest": str(),
	}})}}
	schemas["VoiceQuote"] = obj{"type": "object", "properties": obj{
		"id": str(), "programme": str(), "response": str(), "question": str(), "text": str(), "district": str(), "theme": str(),
		"state": str(), "proposed_by": str(), "checked_by": str(), "note": str(), "released_at": str(), "digest": str(),
	}}
	schemas["VoiceCoding"] = obj{"type": "object", "properties": obj{"programme": str(), "response": str(), "question": str(), "coder": str(), "themes": arr(str())}}
	kappa := obj{"type": "number", "nullable": true, "description": "Cohen's kappa; null when undefined (no variation)"}
	schemas["VoiceAgreement"] = obj{"type": "object", "properties": obj{"coder_a": str(), "coder_b": str(), "items": integer(), "kappa": kappa, "observed": num,
		"themes": arr(obj{"type": "object", "properties": obj{"theme": str(), "both": integer(), "only_a": integer(), "only_b": integer(), "neither": integer(), "kappa": kappa}})}}
	requiredBodies["/api/voice/programmes/{id}/responses"] = "VoiceInput"
}
