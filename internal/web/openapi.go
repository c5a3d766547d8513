package web

import (
	"net/http"
	"strings"

	"github.com/civiclink/civiclink/internal/govern"
)

// obj is a JSON object in the OpenAPI document.
type obj = map[string]any

// schemas are the components the API's responses use, kept short: they
// name the fields a client relies on.
var schemas = obj{
	"Error": obj{"type": "object", "required": []string{"error"}, "properties": obj{
		"error": obj{"type": "object", "required": []string{"code", "message"}, "properties": obj{
			"code":    obj{"type": "string", "enum": []string{"invalid", "unauthorized", "forbidden", "not_found", "conflict", "disclosure", "internal"}},
			"message": obj{"type": "string"},
		}},
	}},
	"User": obj{"type": "object", "properties": obj{
		"id": str(), "partner": str(), "name": str(), "roles": arr(str()), "csrf_token": str(),
	}},
	"Dataset": obj{"type": "object", "properties": obj{
		"id": str(), "partner": str(), "name": str(), "description": str(),
		"schema": obj{"type": "object"}, "created_at": dateTime(),
	}},
	"UserList": obj{"type": "object", "properties": obj{"users": arr(obj{"type": "object", "properties": obj{
		"id": str(), "partner": str(), "name": str(), "roles": arr(str()), "disabled": obj{"type": "boolean"}}})}},
	"Token": obj{"type": "object", "properties": obj{
		"id": str(), "user": str(), "name": str(), "created_at": dateTime(), "expires_at": dateTime(),
		"revoked_at": dateTime(), "revoked_by": str()}},
	"Purpose": obj{"type": "object", "properties": obj{
		"id": str(), "name": str(), "description": str(), "safeguarding": obj{"type": "boolean"}, "created_by": str(), "created_at": dateTime()}},
	"PurposeList":  obj{"type": "object", "properties": obj{"purposes": arr(ref("Purpose"))}},
	"OptOutResult": obj{"type": "object", "properties": obj{"dataset": str(), "purposes": arr(str()), "records": integer(), "new": integer()}},
	"OptOutCount":  obj{"type": "object", "properties": obj{"dataset": str(), "purpose": str(), "excluded": integer()}},
	"TokenList":    obj{"type": "object", "properties": obj{"tokens": arr(ref("Token"))}},
	"IssuedToken":  obj{"type": "object", "properties": obj{"token": ref("Token"), "text": str()}},
	"DatasetList":  obj{"type": "object", "properties": obj{"datasets": arr(ref("Dataset"))}},
	"Version": obj{"type": "object", "properties": obj{
		"dataset": str(), "number": integer(), "rows": integer(), "rejected": integer(),
		"sha256": str(), "source": str(), "format": str(), "loaded_by": str(), "loaded_at": dateTime(),
		"quality": obj{"type": "object"},
	}},
	"VersionList": obj{"type": "object", "properties": obj{"versions": arr(ref("Version"))}},
	"Push": obj{"type": "object", "properties": obj{
		"id": str(), "dataset": str(), "name": str(), "size": obj{"type": "integer"}, "sha256": str(),
		"received": obj{"type": "integer"}, "chunk_size": obj{"type": "integer"}, "updated": dateTime(),
		"job": str(),
	}},
	"Job": obj{"type": "object", "properties": obj{
		"id": str(), "dataset": str(), "file": str(), "state": obj{"type": "string", "enum": []string{"queued", "running", "done", "failed"}},
		"done": integer(), "total": integer(), "percent": obj{"type": "number"}, "version": integer(),
		"duplicate": obj{"type": "boolean"}, "error": str(), "row_errors": arr(obj{"type": "object"}),
	}},
	"Indicator": obj{"type": "object", "properties": obj{
		"id": str(), "name": str(), "description": str(), "unit": str(), "dataset": str(),
	}},
	"IndicatorList": obj{"type": "object", "properties": obj{"indicators": arr(ref("Indicator"))}},
	"Agreement": obj{"type": "object", "properties": obj{
		"id": str(), "title": str(), "purpose": str(), "description": str(),
		"parties": arr(obj{"type": "object", "properties": obj{"partner": str(), "owner": obj{"type": "boolean"}, "recipient": obj{"type": "boolean"}, "lawful_basis": arr(str())}}),
		"datasets": arr(obj{"type": "object", "properties": obj{"dataset": str(), "columns": arr(str()),
			"privacy_budget": obj{"type": "object", "properties": obj{"epsilon": num(), "delta": num(), "period": obj{"type": "string", "enum": govern.BudgetPeriods}}}}}),
		"privacy_budgets": arr(obj{"type": "object", "properties": obj{"dataset": str(), "agreement": str(), "period": str(),
			"budget": obj{"type": "object"}, "spent": obj{"type": "object", "properties": obj{"epsilon": num(), "delta": num()}},
			"left": obj{"type": "object", "properties": obj{"epsilon": num(), "delta": num()}}}}),
		"outputs": arr(str()), "threshold": integer(), "retention_days": integer(),
		"start": str(), "end": str(), "review": str(),
		"status":    obj{"type": "string", "enum": []string{"draft", "approved", "active", "suspended", "expired", "ended"}},
		"approvals": arr(obj{"type": "object", "properties": obj{"partner": str(), "by": str(), "at": dateTime(), "note": agreementNote()}}),
		"history":   arr(obj{"type": "object", "properties": obj{"action": str(), "from": str(), "to": str(), "by": str(), "at": dateTime(), "note": str()}}),
	}},
	"AgreementList": obj{"type": "object", "properties": obj{"agreements": arr(ref("Agreement"))}},
	"DistrictTable": obj{"type": "object", "properties": obj{
		"indicator": ref("Indicator"),
		"values": arr(obj{"type": "object", "properties": obj{
			"code": str(), "name": str(), "value": obj{"type": "number", "nullable": true},
			"suppressed": obj{"type": "boolean"}, "display": str(),
		}}),
		"notes": arr(str()),
	}},
	// AgreementChange is the optional body of an agreement action.
	"AgreementChange": obj{"type": "object", "properties": obj{"note": agreementNote()}},
}

// optionalBodies names the schema of an optional JSON request body, by
// route path.
// queryParams are the documented query parameters of a route's path,
// added by the file that holds the route.
var queryParams = map[string][]obj{}

var optionalBodies = map[string]string{
	"/api/agreements/{id}/{action}": "AgreementChange",
}

// requiredBodies names the schema of a required JSON request body, by
// route path (each room adds its own).
var requiredBodies = map[string]string{}

// agreementNote is a note on an agreement change, as govern.CheckNote allows.
func agreementNote() obj {
	return obj{"type": "string", "maxLength": govern.MaxNoteLength, "description": "optional; plain text, line breaks allowed"}
}

func str() obj            { return obj{"type": "string"} }
func num() obj            { return obj{"type": "number"} }
func integer() obj        { return obj{"type": "integer"} }
func dateTime() obj       { return obj{"type": "string", "format": "date-time"} }
func arr(items obj) obj   { return obj{"type": "array", "items": items} }
func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }
func errorResponse(d string) obj {
	return obj{"description": d, "content": obj{"application/json": obj{"schema": ref("Error")}}}
}

// openAPIDoc builds the OpenAPI 3 document from the route table: every
// route under /api/ and nothing else.
func openAPIDoc(routes []route) obj {
	paths := obj{}
	for _, rt := range routes {
		if !rt.api || !strings.HasPrefix(rt.path, "/api/") {
			continue
		}
		item, _ := paths[rt.path].(obj)
		if item == nil {
			item = obj{}
			paths[rt.path] = item
		}
		item[strings.ToLower(rt.method)] = operation(rt)
	}
	return obj{
		"openapi": "3.0.3",
		"info": obj{"title": "civiclink API", "version": "0.1.0",
			"description": "Partner data catalogue, uploads and disclosure-controlled indicators. Authenticate with a session cookie (browser; state-changing calls need the X-CSRF-Token header) or Authorization: Bearer <API token>."},
		"servers":  []obj{{"url": "/"}},
		"security": []obj{{"bearer": []string{}}, {"session": []string{}}},
		"paths":    paths,
		"components": obj{
			"schemas": schemas,
			"securitySchemes": obj{
				"bearer":  obj{"type": "http", "scheme": "bearer", "description": "an API token, cvl_<id>_<secret>"},
				"session": obj{"type": "apiKey", "in": "cookie", "name": sessionCookie},
			},
		},
	}
}

// operation documents one route.
func operation(rt route) obj {
	op := obj{"summary": rt.summary, "operationId": operationID(rt)}
	var params []obj
	for _, p := range rt.params() {
		params = append(params, obj{"name": p, "in": "path", "required": true, "schema": str()})
	}
	params = append(params, queryParams[rt.path]...) // documented beside their routes
	if params != nil {
		op["parameters"] = params
	}
	if rt.body == "multipart" {
		op["requestBody"] = obj{"required": true, "content": obj{"multipart/form-data": obj{"schema": obj{
			"type": "object", "required": []string{"file"},
			"properties": obj{"file": obj{"type": "string", "format": "binary"}, "format": str()},
		}}}}
	}
	if name, ok := optionalBodies[rt.path]; ok && rt.body == "json" {
		op["requestBody"] = obj{"required": false, "content": obj{"application/json": obj{"schema": ref(name)}}}
	}
	if name, ok := requiredBodies[rt.path]; ok && rt.body == "json" {
		op["requestBody"] = obj{"required": true, "content": obj{"application/json": obj{"schema": ref(name)}}}
	}
	ok := "200"
	if rt.method == http.MethodPost && rt.result == "Job" {
		ok = "202" // started in the background
	}
	resp := obj{
		ok:    success(rt.result),
		"400": errorResponse("the request is malformed"),
		"401": errorResponse("not signed in, or the token is not valid"),
		"403": errorResponse("forbidden, with the reason (or the CSRF token is missing)"),
		"404": errorResponse("no such thing"),
		"500": errorResponse("an internal error (logged; the message is generic)"),
	}
	if rt.open {
		op["security"] = []obj{}
		delete(resp, "401")
		delete(resp, "403")
	}
	op["responses"] = resp
	return op
}

// success documents a 2xx response of the given schema or media type.
func success(result string) obj {
	switch {
	case result == "object":
		return obj{"description": "ok", "content": obj{"application/json": obj{"schema": obj{"type": "object"}}}}
	case strings.Contains(result, "/"):
		return obj{"description": "ok", "content": obj{result: obj{"schema": str()}}}
	default:
		return obj{"description": "ok", "content": obj{"application/json": obj{"schema": ref(result)}}}
	}
}

// operationID names an operation from its method and path.
func operationID(rt route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.method))
	for _, seg := range strings.Split(strings.TrimPrefix(rt.path, "/api/"), "/") {
		seg = strings.Trim(seg, "{}.")
		seg = strings.ReplaceAll(seg, ".", "_")
		if seg == "" {
			continue
		}
		b.WriteString(strings.ToUpper(seg[:1]) + seg[1:])
	}
	return b.String()
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, openAPIDoc(s.routes))
	return nil
}
