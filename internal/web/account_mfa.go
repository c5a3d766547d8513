package web

import (
	"net/http"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// The account page lets a signed-in user whose roles do not require a
// second factor set one up (those who must are enrolled at sign-in).

// accountRoutes are the account page's routes.
func (s *Server) accountRoutes() []route {
	return []route{
		{method: "GET", path: "/account", summary: "Your account: whether you sign in with a second factor, and setting one up", handle: s.pageAccount},
		{method: "POST", path: "/account/mfa", summary: "Start setting up a second factor (form post)", handle: s.postAccountMFA},
		{method: "POST", path: "/account/mfa/confirm", summary: "Confirm a second factor with a code from the authenticator (form post)", handle: s.postAccountMFAConfirm},
	}
}

func (s *Server) accountData(r *http.Request) (map[string]any, error) {
	u := who(r).User
	enrolled, err := s.cfg.Govern.MFAEnrolled(r.Context(), u.ID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Title": "Your account", "Enrolled": enrolled, "Required": govern.MFARequired(u)}, nil
}

func (s *Server) pageAccount(w http.ResponseWriter, r *http.Request) error {
	data, err := s.accountData(r)
	if err != nil {
		return err
	}
	data["Done"] = r.URL.Query().Get("mfa") == "on"
	s.render(w, r, http.StatusOK, "account", data)
	return nil
}

// postAccountMFA starts an enrolment and shows the key, its QR code and
// the recovery codes (once), with the form to confirm.
func (s *Server) postAccountMFA(w http.ResponseWriter, r *http.Request) error {
	data, err := s.accountData(r)
	if err != nil {
		return err
	}
	e, err := s.cfg.Govern.EnrolMFA(r.Context(), who(r).User)
	if err != nil {
		return err
	}
	qr, err := qrDataURL(e.URL)
	if err != nil {
		return err
	}
	data["Enrol"], data["QR"] = e, qr
	s.render(w, r, http.StatusOK, "account", data)
	return nil
}

// postAccountMFAConfirm confirms the pending enrolment with a code.
func (s *Server) postAccountMFAConfirm(w http.ResponseWriter, r *http.Request) error {
	err := s.cfg.Govern.ConfirmMFA(r.Context(), who(r).User, strings.TrimSpace(r.PostFormValue("code")))
	if fault.Code(err) == fault.Unauthorized || fault.Code(err) == fault.Conflict {
		data, derr := s.accountData(r)
		if derr != nil {
			return derr
		}
		data["Error"] = fault.Message(err) + ". Start again to get a new key."
		s.render(w, r, http.StatusUnauthorized, "account", data)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/account?mfa=on", http.StatusSeeOther)
	return nil
}
