package web

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/civiclink/civiclink/internal/fault"
)

// The adoption API: compare a run with the partnership's current run,
// adopt it, roll back — the same service and checks as the run page's
// forms, for scripts with an API token.

// adoptionRoutes are the adoption API's routes.
func (s *Server) adoptionRoutes() []route {
	return []route{
		{method: "GET", path: "/api/linkage/current", api: true, summary: "The partnership's current (adopted) linkage run, which cohorts, indicators and theme pages read", result: "LinkageRun", handle: s.apiLinkageCurrent},
		{method: "GET", path: "/api/linkage/runs/{id}/compare", api: true, summary: "What adopting a run would change against the current run: entities unchanged, gained, lost, merged and split (the run's creator, linkage stewards, data owners of its datasets)", result: "LinkageComparison", handle: s.apiLinkageCompare},
		{method: "POST", path: "/api/linkage/runs/{id}/adopt", api: true, body: "json", summary: "Adopt a run as the partnership's current run, body {\"note\": \"…\"} (linkage stewards, or a data owner of the partner owning every dataset in it); answers what changed; audited, a refusal changes nothing", result: "LinkageComparison", handle: s.apiLinkageAdopt},
		{method: "GET", path: "/api/linkage/runs/{id}/approvals", api: true, summary: "Which partners' data owners have approved a draft run against the current run and which are still to (whoever may see the run)", result: "LinkageApprovals", handle: s.apiLinkageApprovals},
		{method: "POST", path: "/api/linkage/runs/{id}/approve", api: true, body: "json", summary: "Approve a draft run for your partner, body {\"note\": \"…\"} (a data owner of a partner whose dataset is in it); the approval that completes every partner's adopts the run; audited, a refusal changes nothing", result: "LinkageApprovals", handle: s.apiLinkageApprove},
		{method: "POST", path: "/api/linkage/rollback", api: true, body: "json", summary: "Make the previous current run current again, body {\"note\": \"…\"} (linkage stewards); audited", result: "LinkageRun", handle: s.apiLinkageRollback},
	}
}

func init() {
	schemas["LinkageApprovals"] = obj{"type": "object", "properties": obj{
		"run": integer(), "current": integer(), "adopted": obj{"type": "boolean"}, "missing": arr(str()),
		"partners": arr(obj{"type": "object", "properties": obj{
			"partner": str(), "datasets": arr(str()),
			"approval": obj{"type": "object", "properties": obj{"partner": str(), "by": str(), "at": dateTime(), "note": str()}},
		}}),
		"comparison": ref("LinkageComparison"),
	}}
	schemas["LinkageComparison"] = obj{"type": "object", "properties": obj{
		"run": integer(), "current": integer(), "records": integer(), "entities": integer(),
		"current_records": integer(), "current_entities": integer(),
		"unchanged": integer(), "gained": integer(), "lost": integer(), "merged": integer(), "split": integer(),
	}}
}

// adoptionNote reads the optional {"note": "…"} body.
func adoptionNote(r *http.Request) (string, error) {
	var b struct {
		Note string `json:"note"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 16<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil && err != io.EOF {
		return "", fault.FieldErrorf(fault.Invalid, "note", "send JSON {\"note\": \"why\"} (or no body): %v", err)
	}
	return b.Note, nil
}

func (s *Server) apiLinkageCurrent(w http.ResponseWriter, r *http.Request) error {
	lk, err := s.linker()
	if err != nil {
		return err
	}
	run, err := lk.svc.Current(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, run)
	return nil
}

func (s *Server) apiLinkageCompare(w http.ResponseWriter, r *http.Request) error {
	lk, err := s.linker()
	if err != nil {
		return err
	}
	id, err := runID(r)
	if err != nil {
		return err
	}
	c, err := lk.svc.Compare(r.Context(), who(r).User, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) apiLinkageAdopt(w http.ResponseWriter, r *http.Request) error {
	lk, err := s.linker()
	if err != nil {
		return err
	}
	id, err := runID(r)
	if err != nil {
		return err
	}
	note, err := adoptionNote(r)
	if err != nil {
		return err
	}
	c, err := lk.svc.Adopt(r.Context(), who(r).User, id, note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) apiLinkageRollback(w http.ResponseWriter, r *http.Request) error {
	lk, err := s.linker()
	if err != nil {
		return err
	}
	note, err := adoptionNote(r)
	if err != nil {
		return err
	}
	run, err := lk.svc.Rollback(r.Context(), who(r).User, note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, run)
	return nil
}

func (s *Server) apiLinkageApprovals(w http.ResponseWriter, r *http.Request) error {
	lk, err := s.linker()
	if err != nil {
		return err
	}
	id, err := runID(r)
	if err != nil {
		return err
	}
	st, err := lk.svc.Approvals(r.Context(), who(r).User, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) apiLinkageApprove(w http.ResponseWriter, r *http.Request) error {
	lk, err := s.linker()
	if err != nil {
		return err
	}
	id, err := runID(r)
	if err != nil {
		return err
	}
	note, err := adoptionNote(r)
	if err != nil {
		return err
	}
	st, err := lk.svc.Approve(r.Context(), who(r).User, id, note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}
