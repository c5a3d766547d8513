package web

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// visible reports whether u may see agreement a: its parties' users and
// auditors.
func visible(u *govern.User, a *govern.Agreement) bool {
	return u.Has(govern.Auditor) || slices.ContainsFunc(a.Parties, func(p govern.Party) bool { return p.Partner == u.PartnerID })
}

func (s *Server) apiAgreements(w http.ResponseWriter, r *http.Request) error {
	u := who(r).User
	all, err := s.cfg.Govern.Agreements(r.Context())
	if err != nil {
		return err
	}
	out := []*govern.Agreement{}
	for _, a := range all {
		if visible(u, a) {
			out = append(out, a)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"agreements": out})
	return nil
}

func (s *Server) apiAgreement(w http.ResponseWriter, r *http.Request) error {
	a, err := s.agreement(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// agreement finds the agreement named in the path that the user may see;
// one they may not see is reported as not found.
func (s *Server) agreement(r *http.Request) (*govern.Agreement, error) {
	all, err := s.cfg.Govern.Agreements(r.Context())
	if err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	for _, a := range all {
		if a.ID == id && visible(who(r).User, a) {
			return a, nil
		}
	}
	return nil, fault.Errorf(fault.NotFound, "no agreement %q that your partner is a party to", id)
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

func (s *Server) apiChangeAgreement(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.agreement(r); err != nil {
		return err
	}
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
