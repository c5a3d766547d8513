package web

import (
	"context"
	"net/http"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/output"
	"github.com/civiclink/civiclink/internal/release"
)

// Outputs is the output lifecycle as the web app uses it: draft, look at,
// check, release and export. *release.Service is the real one; it asks
// governance before it shows figures or findings and records every step in
// the audit log.
type Outputs interface {
	// List returns every output's lifecycle record (no figures).
	List(ctx context.Context) ([]*output.Output, error)
	// Draft computes an indicator for u and keeps it as a draft output.
	Draft(ctx context.Context, u *govern.User, ind *insight.Indicator, by []string) (*output.Output, error)
	// View returns an output's figures (and, for output checkers, its
	// findings) if u may see them.
	View(ctx context.Context, u *govern.User, id int64) (*output.Output, error)
	// Check approves or rejects a draft (output checkers, not its author).
	Check(ctx context.Context, u *govern.User, id int64, approve bool, note string) (*output.Output, error)
	// Release publishes a checked output (its author or an output checker).
	Release(ctx context.Context, u *govern.User, id int64) (*output.Output, error)
	// Exported returns a released output for export and records the export.
	Exported(ctx context.Context, u *govern.User, id int64, format string) (*output.Output, error)
}

var _ Outputs = (*release.Service)(nil)

// AuditLog is the audit log as the audit pages read it: entries by filter
// and a full verification. The store's audit log is the real one.
type AuditLog interface {
	Entries(ctx context.Context, f audit.Filter) ([]audit.Entry, error)
	Verify(ctx context.Context, opts audit.Options) (audit.Report, error)
}

// governRoutes lists the routes of the agreements, output checking and the audit pages.
func (s *Server) governRoutes() []route {
	return []route{
		// agreements (the JSON API is in routes.go, handled in agreements.go)
		{method: "GET", path: "/agreements", summary: "Agreements the user's partner is a party to", handle: s.pageAgreements},
		{method: "GET", path: "/agreements/new", summary: "Draft an agreement (form)", handle: s.pageAgreementNew},
		{method: "POST", path: "/agreements", summary: "Draft an agreement (form post)", handle: s.postAgreement},
		{method: "GET", path: "/agreements/{id}", summary: "An agreement: content, approvals, history, actions", handle: s.pageAgreement},
		{method: "POST", path: "/agreements/{id}/{action}", summary: "approve, activate, suspend or end an agreement (form post)", handle: s.postAgreementAction},

		// outputs
		{method: "GET", path: "/api/outputs", api: true, summary: "Outputs and where they are in their lifecycle (no figures)", result: "OutputList", handle: s.apiOutputs},
		{method: "POST", path: "/api/outputs", api: true, body: "json", summary: "Draft an output from a named indicator; body {\"indicator\": \"…\", \"by\": [\"district\"]} (201)", result: "Output", handle: s.apiDraftOutput},
		{method: "GET", path: "/api/outputs/{id}", api: true, summary: "An output with its disclosure-controlled figures ([c] when suppressed) and, for output checkers, the automatic findings", result: "OutputView", handle: s.apiOutput},
		{method: "POST", path: "/api/outputs/{id}/check", api: true, body: "json", summary: "Approve or reject a draft (output checkers other than its author); body {\"approve\": true, \"note\": \"…\"}", result: "Output", handle: s.apiCheckOutput},
		{method: "POST", path: "/api/outputs/{id}/release", api: true, summary: "Release a checked output (its author or an output checker)", result: "Output", handle: s.apiReleaseOutput},
		{method: "GET", path: "/api/outputs/{id}/export/{format}", api: true, summary: "Export a released output: format csv, json or geojson", result: "text/csv", handle: s.exportOutput},
		{method: "GET", path: "/outputs", summary: "Outputs: drafts, checked, released", handle: s.pageOutputs},
		{method: "POST", path: "/outputs", summary: "Draft an output (form post)", handle: s.postOutputDraft},
		{method: "GET", path: "/outputs/{id}", summary: "An output: figures, findings, check and release", handle: s.pageOutput},
		{method: "POST", path: "/outputs/{id}/check", summary: "Approve or reject a draft (form post)", handle: s.postOutputCheck},
		{method: "POST", path: "/outputs/{id}/release", summary: "Release a checked output (form post)", handle: s.postOutputRelease},
		{method: "GET", path: "/outputs/{id}/export/{format}", summary: "Download a released output", handle: s.exportOutput},

		// audit
		{method: "GET", path: "/api/audit/uses", api: true, summary: "Who used a partner's data, newest first, 50 a page (query: partner — auditors only, others get their own —, dataset, since, until as YYYY-MM-DD; before=next for older uses, after=prev for newer)", result: "Uses", handle: s.apiAuditUses},
		{method: "GET", path: "/api/audit/verification", api: true, summary: "The audit log's last verification; the first call starts one in the background and answers {\"running\": true}, or runs it and waits with ?wait=true", result: "Verification", handle: s.apiAuditVerification},
		{method: "POST", path: "/api/audit/verify", api: true, summary: "Verify the whole audit log now", result: "Verification", handle: s.apiAuditVerify},
		{method: "GET", path: "/audit", summary: "Who used my data, and the audit log's verification", handle: s.pageAudit},
		{method: "POST", path: "/audit/verify", summary: "Verify the audit log now (form post)", handle: s.postAuditVerify},
	}
}

func init() {
	for name, sc := range governSchemas {
		schemas[name] = sc
	}
}

// governSchemas are the OpenAPI components of the output and audit routes.
var governSchemas = obj{
	"Output": obj{"type": "object", "properties": obj{
		"id": integer(), "series": str(), "version": integer(), "title": str(), "indicator": str(),
		"by": arr(str()), "purpose": str(), "datasets": arr(str()),
		"status":     obj{"type": "string", "enum": []string{"draft", "checked", "released", "rejected"}},
		"created_by": str(), "created_at": dateTime(), "checked_by": str(), "checked_at": dateTime(),
		"note": str(), "released_by": str(), "released_at": dateTime(),
	}},
	"OutputList": obj{"type": "object", "properties": obj{"outputs": arr(ref("Output"))}},
	"OutputView": obj{"type": "object", "properties": obj{
		"output": ref("Output"),
		"table": obj{"type": "object", "description": "dimensions, measures and cells; a withheld value is the string \"[c]\"", "properties": obj{
			"dimensions": arr(str()), "measures": arr(str()), "cells": arr(obj{"type": "object"}),
		}},
		"findings": obj{"type": "object", "description": "the automatic output check (output checkers only)"},
		"exports":  arr(str()),
	}},
	"Use": obj{"type": "object", "properties": obj{
		"index": integer(), "time": dateTime(), "user": str(), "partner": str(), "purpose": str(),
		"action": str(), "operation": str(), "datasets": arr(str()), "agreement": str(),
		"outcome": str(), "reason": str(), "rows": integer(), "cells": integer(),
	}},
	"Uses": obj{"type": "object", "properties": obj{
		"partner": str(), "dataset": str(), "since": str(), "until": str(),
		"count": integer(), "uses": arr(ref("Use")),
		"next": obj{"type": "integer", "description": "cursor of the older uses: ask again with ?before=next; absent on the oldest page"},
		"prev": obj{"type": "integer", "description": "cursor of the newer uses: ask again with ?after=prev; absent on the newest page"},
	}},
	"Verification": obj{"type": "object", "properties": obj{
		"running": obj{"type": "boolean"}, "verified": obj{"type": "boolean"}, "entries": integer(), "root": str(), "heads": integer(),
		"key_id": str(), "trusted": obj{"type": "boolean"}, "problem": str(), "checked_at": dateTime(),
	}},
}

// needOutputs returns the output service, or why there is none.
func (s *Server) needOutputs() (Outputs, error) {
	if s.cfg.Outputs == nil {
		return nil, fault.Errorf(fault.NotFound, "this server has no output checking configured")
	}
	return s.cfg.Outputs, nil
}

// seeOther sends a browser on after a form post.
func seeOther(w http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}
