package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// API tokens while the server runs: issue one for yourself (its text is
// shown once), list the tokens you may manage (yours; a partner admin's:
// every token of their partner's users) and revoke one — the same
// governance calls, rules and audit entries as `civiclink user token …`.

func (s *Server) tokenRoutes() []route {
	return []route{
		{method: "GET", path: "/api/tokens", api: true, summary: "API tokens you may manage, newest first: yours, and for partner admins every token of their partner's users (never the secret)", result: "TokenList", handle: s.apiTokens},
		{method: "POST", path: "/api/tokens", api: true, body: "json", summary: "Issue an API token for yourself; body {\"name\": \"nightly ingest\", \"ttl\": \"720h\"} (ttl optional: until revoked). The answer holds the token's text, shown only this once (201)", result: "IssuedToken", handle: s.apiIssueToken},
		{method: "POST", path: "/api/tokens/{id}/revoke", api: true, summary: "Revoke an API token: yours, or as partner admin any of your partner's users'", result: "Token", handle: s.apiRevokeToken},
		{method: "GET", path: "/admin/tokens", summary: "API tokens of your partner's users: create one for yourself (shown once), revoke any (partner admins)", handle: s.pageAdminTokens},
		{method: "POST", path: "/admin/tokens", summary: "Create an API token for yourself (form post; the page shows it once)", handle: s.postAdminToken},
		{method: "POST", path: "/admin/tokens/{id}/revoke", summary: "Revoke an API token (form post)", handle: s.postRevokeToken},
	}
}

// TokenAdmin is what token administration asks of governance (the
// *govern.Service): each call checks the actor's rights and records what
// it changed in the audit log.
type TokenAdmin interface {
	ManagedTokens(ctx context.Context, actor *govern.User) ([]*govern.Token, error)
	IssueToken(ctx context.Context, actor *govern.User, name string, ttl time.Duration) (*govern.Token, string, error)
	RevokeToken(ctx context.Context, actor *govern.User, id string) error
}

// tokenAdmin returns the governance service as a [TokenAdmin].
func (s *Server) tokenAdmin() (TokenAdmin, error) {
	a, ok := s.cfg.Govern.(TokenAdmin)
	if !ok {
		return nil, fault.Errorf(fault.NotFound, "this server has no API token administration")
	}
	return a, nil
}

// tokenLifetimes are the lifetimes the page offers, by form value.
var tokenLifetimes = []struct{ Value, Label string }{
	{"720h", "30 days"}, {"2160h", "90 days"}, {"8760h", "1 year"}, {"", "until revoked"},
}

// parseTTL reads a token lifetime like "720h"; empty means until revoked.
func parseTTL(text string) (time.Duration, error) {
	if text == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(text)
	if err != nil || d <= 0 {
		return 0, fault.FieldErrorf(fault.Invalid, "ttl", "the token's lifetime %q is not a positive duration like 720h (30 days); leave it out for a token that lasts until revoked", text)
	}
	return d, nil
}

// issueToken issues a token for the signed-in user.
func (s *Server) issueToken(r *http.Request, name, ttlText string) (*govern.Token, string, error) {
	ttl, err := parseTTL(ttlText)
	if err != nil {
		return nil, "", err
	}
	a, err := s.tokenAdmin()
	if err != nil {
		return nil, "", err
	}
	return a.IssueToken(r.Context(), who(r).User, name, ttl)
}

// managedTokens returns the tokens the signed-in user may manage.
func (s *Server) managedTokens(r *http.Request) ([]*govern.Token, error) {
	a, err := s.tokenAdmin()
	if err != nil {
		return nil, err
	}
	return a.ManagedTokens(r.Context(), who(r).User)
}

// revokeToken revokes the token in the path and returns it as it now is.
func (s *Server) revokeToken(r *http.Request) (*govern.Token, error) {
	a, err := s.tokenAdmin()
	if err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	if err := a.RevokeToken(r.Context(), who(r).User, id); err != nil {
		return nil, err
	}
	ts, err := a.ManagedTokens(r.Context(), who(r).User)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if t.ID == id {
			return t, nil
		}
	}
	return nil, fault.Errorf(fault.NotFound, "token %s was revoked but is not among your tokens", id)
}

func (s *Server) apiTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.managedTokens(r)
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []*govern.Token{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": ts})
	return nil
}

func (s *Server) apiIssueToken(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name string `json:"name"`
		TTL  string `json:"ttl"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&body); err != nil {
		return fault.Errorf(fault.Invalid, "the body must be JSON like {\"name\": \"nightly ingest\", \"ttl\": \"720h\"}")
	}
	t, text, err := s.issueToken(r, body.Name, body.TTL)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": t, "text": text})
	return nil
}

func (s *Server) apiRevokeToken(w http.ResponseWriter, r *http.Request) error {
	t, err := s.revokeToken(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// tokenRow is a token as the page lists it.
type tokenRow struct {
	*govern.Token
	Status string
	Active bool
}

func (s *Server) pageAdminTokens(w http.ResponseWriter, r *http.Request) error {
	return s.adminTokensPage(w, r, http.StatusOK, adminNote{})
}

// adminNote is what an admin page says after a form post: what was done,
// a refusal, and a new token's text (shown only this once).
type adminNote struct {
	Notice, Problem string
	Created         *govern.Token
	Text            string
}

func (s *Server) adminTokensPage(w http.ResponseWriter, r *http.Request, status int, note adminNote) error {
	if err := requireAdmin(r); err != nil {
		return err
	}
	ts, err := s.managedTokens(r)
	if err != nil {
		return err
	}
	now := s.cfg.Clock.Now()
	rows := make([]tokenRow, len(ts))
	for i, t := range ts {
		rows[i] = tokenRow{Token: t, Status: "active", Active: true}
		switch {
		case t.RevokedAt != nil:
			rows[i].Status, rows[i].Active = "revoked "+t.RevokedAt.Format(time.DateOnly)+" by "+t.RevokedBy, false
		case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
			rows[i].Status, rows[i].Active = "expired "+t.ExpiresAt.Format(time.DateOnly), false
		case t.ExpiresAt != nil:
			rows[i].Status = "active until " + t.ExpiresAt.Format(time.DateOnly)
		}
	}
	s.render(w, r, status, "admin-tokens", map[string]any{"Title": "API tokens", "Tokens": rows,
		"Lifetimes": tokenLifetimes, "Note": note})
	return nil
}

// requireAdmin refuses a signed-in user who is not a partner admin.
func requireAdmin(r *http.Request) error {
	if u := who(r).User; !u.Has(govern.PartnerAdmin) {
		return fault.Errorf(fault.Forbidden, "only a partner admin can manage users and API tokens; ask your partner's admin")
	}
	return nil
}

// formRefusal shows err on the page when it is the user's to fix.
func formRefusal(err error) bool {
	switch fault.Code(err) {
	case fault.Forbidden, fault.Conflict, fault.Invalid, fault.NotFound:
		return true
	}
	return false
}

func (s *Server) postAdminToken(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r); err != nil {
		return err
	}
	t, text, err := s.issueToken(r, r.FormValue("name"), r.FormValue("ttl"))
	switch {
	case err == nil:
		return s.adminTokensPage(w, r, http.StatusCreated, adminNote{Created: t, Text: text})
	case formRefusal(err):
		_, st, msg := s.safe(r, err)
		return s.adminTokensPage(w, r, st, adminNote{Problem: msg})
	}
	return err
}

func (s *Server) postRevokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r); err != nil {
		return err
	}
	_, err := s.revokeToken(r)
	switch {
	case err == nil:
		return s.adminTokensPage(w, r, http.StatusOK, adminNote{Notice: "Revoked token " + r.PathValue("id") + ": it no longer works."})
	case formRefusal(err):
		_, st, msg := s.safe(r, err)
		return s.adminTokensPage(w, r, st, adminNote{Problem: msg})
	}
	return err
}
