package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// Administration of a partner's users while the server runs: the same
// governance service, rules and audit as the CLI (`civiclink user …`),
// for partner admins of that partner, as JSON (the CLI's --server) and as
// a page with forms.

func (s *Server) adminRoutes() []route {
	return []route{
		{method: "GET", path: "/api/users", api: true, summary: "Your partner's users (partner admins)", result: "UserList", handle: s.apiUsers},
		{method: "POST", path: "/api/users", api: true, body: "json", summary: "Add a user to your partner (partner admins; \"partner\" defaults to yours, another only for its first partner admin, as the CLI); body {\"id\", \"name\", \"roles\": [\"analyst\"], \"password\"} (201)", result: "User", handle: s.apiAddUser},
		{method: "POST", path: "/api/users/{id}/{action}", api: true, body: "json", summary: "disable, enable, roles (body {\"roles\": […]}), password (body {\"password\": \"…\"}) or mfa-reset a user of your partner (partner admins)", result: "User", handle: s.apiUserAction},
		{method: "GET", path: "/admin/users", summary: "Your partner's users: roles, disable, reset password or second factor (partner admins)", handle: s.pageAdminUsers},
		{method: "POST", path: "/admin/users", summary: "Add a user to your partner (form post)", handle: s.postAddUser},
		{method: "POST", path: "/admin/users/{id}/{action}", summary: "disable, enable, roles, password or mfa-reset a user (form post)", handle: s.postAdminUser},
	}
}

// UserAdmin is what the user administration asks of governance (the
// *govern.Service): each call checks the actor's rights and records the
// change in the audit log.
type UserAdmin interface {
	PartnerUsers(ctx context.Context, actor *govern.User) ([]*govern.User, error)
	CreateUser(ctx context.Context, actor, u *govern.User, password string) error
	SetDisabled(ctx context.Context, actor *govern.User, id string, disabled bool) error
	SetRoles(ctx context.Context, actor *govern.User, id string, roles []govern.Role) error
	SetPassword(ctx context.Context, actor *govern.User, id, password string) error
	ResetMFA(ctx context.Context, actor *govern.User, targetID string) error
}

// admin returns the governance service as a [UserAdmin].
func (s *Server) admin() (UserAdmin, error) {
	a, ok := s.cfg.Govern.(UserAdmin)
	if !ok {
		return nil, fault.Errorf(fault.NotFound, "this server has no user administration")
	}
	return a, nil
}

// userView is a user as the admin API and page show them (never the hash).
type userView struct {
	ID       string        `json:"id"`
	Partner  string        `json:"partner"`
	Name     string        `json:"name"`
	Roles    []govern.Role `json:"roles"`
	Disabled bool          `json:"disabled"`
}

// partnerUsers returns the users of the actor's partner; only its partner
// admins may list them.
func (s *Server) partnerUsers(r *http.Request) ([]userView, error) {
	a, err := s.admin()
	if err != nil {
		return nil, err
	}
	us, err := a.PartnerUsers(r.Context(), who(r).User)
	if err != nil {
		return nil, err
	}
	out := make([]userView, len(us))
	for i, u := range us {
		out[i] = viewOf(u)
	}
	return out, nil
}

func viewOf(u *govern.User) userView {
	return userView{ID: u.ID, Partner: u.PartnerID, Name: u.Name, Roles: u.Roles, Disabled: u.Disabled}
}

func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request) error {
	us, err := s.partnerUsers(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": us})
	return nil
}

func (s *Server) apiAddUser(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		ID       string        `json:"id"`
		Partner  string        `json:"partner"`
		Name     string        `json:"name"`
		Roles    []govern.Role `json:"roles"`
		Password string        `json:"password"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&body); err != nil {
		return fault.Errorf(fault.Invalid, "the body must be JSON like {\"id\": \"j.smith\", \"name\": \"J Smith\", \"roles\": [\"analyst\"], \"password\": \"…\"}")
	}
	a, err := s.admin()
	if err != nil {
		return err
	}
	actor := who(r).User
	u := &govern.User{ID: body.ID, PartnerID: body.Partner, Name: body.Name, Roles: body.Roles}
	if u.PartnerID == "" {
		u.PartnerID = actor.PartnerID
	}
	if err := a.CreateUser(r.Context(), actor, u, body.Password); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, viewOf(u))
	return nil
}

// userAction applies one admin action to the user in the path.
func (s *Server) userAction(r *http.Request, roles []govern.Role, password string) error {
	gov, err := s.admin()
	if err != nil {
		return err
	}
	ctx, actor, id := r.Context(), who(r).User, r.PathValue("id")
	switch r.PathValue("action") {
	case "disable", "enable":
		return gov.SetDisabled(ctx, actor, id, r.PathValue("action") == "disable")
	case "roles":
		return gov.SetRoles(ctx, actor, id, roles)
	case "password":
		return gov.SetPassword(ctx, actor, id, password)
	case "mfa-reset":
		return gov.ResetMFA(ctx, actor, id)
	}
	return fault.Errorf(fault.NotFound, "no user action %q: disable, enable, roles, password or mfa-reset", r.PathValue("action"))
}

func (s *Server) apiUserAction(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Roles    []govern.Role `json:"roles"`
		Password string        `json:"password"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&body); err != nil && err != io.EOF {
		return fault.Errorf(fault.Invalid, "the body must be JSON like {\"roles\": [\"analyst\"]} or {\"password\": \"…\"}")
	}
	if err := s.userAction(r, body.Roles, body.Password); err != nil {
		return err
	}
	us, err := s.partnerUsers(r)
	if err != nil {
		return err
	}
	for _, u := range us {
		if u.ID == r.PathValue("id") {
			writeJSON(w, http.StatusOK, u)
			return nil
		}
	}
	return fault.Errorf(fault.NotFound, "no user %q at your partner", r.PathValue("id"))
}

func (s *Server) pageAdminUsers(w http.ResponseWriter, r *http.Request) error {
	return s.adminUsersPage(w, r, http.StatusOK, "", "")
}

func (s *Server) adminUsersPage(w http.ResponseWriter, r *http.Request, status int, notice, problem string) error {
	return s.adminUsersPageWith(w, r, status, notice, problem, newUserForm{})
}

// newUserForm is what was typed into the add-a-user form, kept when it is
// refused (never the password).
type newUserForm struct {
	ID, Name string
	Roles    map[govern.Role]bool
}

func (s *Server) adminUsersPageWith(w http.ResponseWriter, r *http.Request, status int, notice, problem string, typed newUserForm) error {
	us, err := s.partnerUsers(r)
	if err != nil {
		return err
	}
	s.render(w, r, status, "admin-users", map[string]any{"Title": "Users", "Users": us, "Roles": govern.AllRoles,
		"Notice": notice, "Problem": problem, "New": typed})
	return nil
}

// postAddUser adds a user to the partner admin's partner from the form.
func (s *Server) postAddUser(w http.ResponseWriter, r *http.Request) error {
	typed := newUserForm{ID: strings.TrimSpace(r.FormValue("id")), Name: strings.TrimSpace(r.FormValue("name")), Roles: map[govern.Role]bool{}}
	for _, v := range r.Form["roles"] {
		typed.Roles[govern.Role(v)] = true
	}
	refused := func(err error) error {
		if !formRefusal(err) {
			return err
		}
		_, st, msg := s.safe(r, err)
		return s.adminUsersPageWith(w, r, st, "", msg, typed)
	}
	roles, err := govern.ParseRoles(strings.Join(r.Form["roles"], ","))
	if err != nil {
		return refused(err)
	}
	a, err := s.admin()
	if err != nil {
		return err
	}
	actor := who(r).User
	u := &govern.User{ID: typed.ID, PartnerID: actor.PartnerID, Name: typed.Name, Roles: roles}
	if err := a.CreateUser(r.Context(), actor, u, r.FormValue("password")); err != nil {
		return refused(err)
	}
	return s.adminUsersPage(w, r, http.StatusCreated, "Added "+u.ID+" ("+u.Name+") with roles "+rolesList(u.Roles)+".", "")
}

// rolesList writes roles for a sentence.
func rolesList(rs []govern.Role) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return strings.Join(out, ", ")
}

func (s *Server) postAdminUser(w http.ResponseWriter, r *http.Request) error {
	var roles []govern.Role
	if r.PathValue("action") == "roles" {
		rs, err := govern.ParseRoles(strings.Join(r.Form["roles"], ","))
		if err != nil {
			_, st, msg := s.safe(r, err)
			return s.adminUsersPage(w, r, st, "", msg)
		}
		roles = rs
	}
	err := s.userAction(r, roles, r.FormValue("password"))
	switch {
	case err == nil:
		return s.adminUsersPage(w, r, http.StatusOK, "Done: "+r.PathValue("action")+" for "+r.PathValue("id")+".", "")
	case formRefusal(err):
		_, st, msg := s.safe(r, err)
		return s.adminUsersPage(w, r, st, "", msg)
	}
	return err
}
