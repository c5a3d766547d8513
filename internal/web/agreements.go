package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
)

func (s *Server) apiAgreements(w http.ResponseWriter, r *http.Request) error {
	out, err := s.cfg.Govern.ListAgreements(r.Context(), who(r).User)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"agreements": out})
	return nil
}

func (s *Server) apiAgreement(w http.ResponseWriter, r *http.Request) error {
	a, err := s.agreement(r)
	if err != nil {
		return err
	}
	budgets, err := s.budgets(r.Context(), a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		*govern.Agreement
		Budgets []insight.BudgetBalance `json:"privacy_budgets,omitempty"`
	}{a, budgets})
	return nil
}

// budgets are the privacy budgets a sets with what is spent and left this
// period (nothing spent when the server keeps no ledger).
func (s *Server) budgets(ctx context.Context, a *govern.Agreement) ([]insight.BudgetBalance, error) {
	ledger := s.cfg.Ledger
	if ledger == nil {
		ledger = disclose.NewMemLedger()
	}
	return insight.Budgets(ctx, ledger, a, s.cfg.Clock.Now())
}

// agreement returns the agreement named in the path if the user may see
// it; governance records the view (or the refusal, with its reason), and
// reports one the user may not see as not found.
func (s *Server) agreement(r *http.Request) (*govern.Agreement, error) {
	return s.cfg.Govern.ViewAgreement(r.Context(), who(r).User, r.PathValue("id"))
}

func (s *Server) apiCreateAgreement(w http.ResponseWriter, r *http.Request) error {
	a, err := govern.ParseAgreement(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return err
	}
	if err := s.cfg.Govern.CreateAgreement(r.Context(), who(r).User, a); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}

// apiChangeAgreement applies a lifecycle action; governance checks the
// user may see the agreement and take the action, validates the note and
// records the change or the refusal.
func (s *Server) apiChangeAgreement(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Note string `json:"note"`
	}
	if r.ContentLength != 0 {
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&body); err != nil && err != io.EOF {
			return fault.Errorf(fault.Invalid, "the body must be JSON like {\"note\": \"why\"}: %v", err)
		}
	}
	a, err := s.cfg.Govern.ChangeAgreement(r.Context(), who(r).User, r.PathValue("id"), r.PathValue("action"), body.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}
