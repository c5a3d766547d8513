package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// The purpose register and per-record opt-outs while the server runs: the
// same governance calls, rules and audit entries as `civiclink purpose …`
// and `civiclink optout …` (which use this API with --server).

func (s *Server) registerRoutes() []route {
	return []route{
		{method: "GET", path: "/api/purposes", api: true, summary: "The purpose register: why partner data may be used, by id", result: "PurposeList", handle: s.apiPurposes},
		{method: "POST", path: "/api/purposes", api: true, body: "json", summary: "Add a purpose to the register (data owners and partner admins); body {\"id\", \"name\", \"description\", \"safeguarding\": false} (201)", result: "Purpose", handle: s.apiAddPurpose},
		{method: "POST", path: "/api/optouts", api: true, body: "json", summary: "Mark records of your partner's dataset as opted out of purposes (data owners of its partner); body {\"dataset\", \"records\": [\"id\", …], \"purposes\": [\"p\"] or [\"*\"], \"source\"}", result: "OptOutResult", handle: s.apiAddOptOuts},
		{method: "GET", path: "/api/optouts/count", api: true, summary: "How many records of a dataset are excluded from a purpose (?dataset=&purpose=)", result: "OptOutCount", handle: s.apiCountOptOuts},
	}
}

// RegisterAdmin is what the register's administration asks of governance
// (the *govern.Service) beyond [Governance]: each call checks the actor's
// roles and records the change in the audit log.
type RegisterAdmin interface {
	AddPurpose(ctx context.Context, actor *govern.User, p *govern.Purpose) error
	AddOptOuts(ctx context.Context, actor *govern.User, o *govern.OptOuts) (int, error)
}

func (s *Server) registerAdmin() (RegisterAdmin, error) {
	a, ok := s.cfg.Govern.(RegisterAdmin)
	if !ok {
		return nil, fault.Errorf(fault.NotFound, "this server cannot change the purpose register or opt-outs")
	}
	return a, nil
}

func (s *Server) apiPurposes(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.cfg.Govern.Register(r.Context())
	if err != nil {
		return err
	}
	out := make([]govern.Purpose, 0, len(reg))
	for _, p := range reg {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b govern.Purpose) int { return strings.Compare(a.ID, b.ID) })
	writeJSON(w, http.StatusOK, map[string]any{"purposes": out})
	return nil
}

// decodeBody reads a JSON body into v, or says what shape it must have.
func decodeBody(r *http.Request, limit int64, v any, like string) error {
	if err := json.NewDecoder(io.LimitReader(r.Body, limit)).Decode(v); err != nil {
		return fault.Errorf(fault.Invalid, "the body must be JSON like %s: %v", like, err)
	}
	return nil
}

func (s *Server) apiAddPurpose(w http.ResponseWriter, r *http.Request) error {
	var p govern.Purpose
	if err := decodeBody(r, 64<<10, &p, `{"id": "loneliness", "name": "Tackling loneliness"}`); err != nil {
		return err
	}
	a, err := s.registerAdmin()
	if err != nil {
		return err
	}
	if err := a.AddPurpose(r.Context(), who(r).User, &p); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Server) apiAddOptOuts(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Dataset  string   `json:"dataset"`
		Records  []string `json:"records"`
		Purposes []string `json:"purposes"`
		Source   string   `json:"source"`
	}
	if err := decodeBody(r, 64<<20, &body, `{"dataset": "gp-register", "records": ["r1"], "purposes": ["*"], "source": "national data opt-out"}`); err != nil {
		return err
	}
	a, err := s.registerAdmin()
	if err != nil {
		return err
	}
	o := &govern.OptOuts{Dataset: body.Dataset, Records: body.Records, Purposes: body.Purposes, Source: body.Source}
	n, err := a.AddOptOuts(r.Context(), who(r).User, o)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"dataset": o.Dataset, "purposes": o.Purposes, "records": len(o.Records), "new": n})
	return nil
}

func (s *Server) apiCountOptOuts(w http.ResponseWriter, r *http.Request) error {
	dataset, purpose := r.URL.Query().Get("dataset"), r.URL.Query().Get("purpose")
	if dataset == "" || purpose == "" {
		return fault.Errorf(fault.Invalid, "name the dataset and the purpose: ?dataset=ID&purpose=ID")
	}
	ex, err := s.cfg.Govern.Excluded(r.Context(), dataset, purpose)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"dataset": dataset, "purpose": purpose, "excluded": len(ex)})
	return nil
}
