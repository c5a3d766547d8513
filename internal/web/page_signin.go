package web

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
)

// safeNext keeps a post-sign-in redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

// pageSignIn shows the sign-in form. Before a session exists, the form is
// protected by a double-submit token: a random cookie that the form must
// echo.
func (s *Server) pageSignIn(w http.ResponseWriter, r *http.Request) error {
	if p, _ := s.identify(r); p != nil && p.Session != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	s.signInForm(w, r, http.StatusOK, "")
	return nil
}

func (s *Server) signInForm(w http.ResponseWriter, r *http.Request, status int, msg string) {
	tok := randomID()
	http.SetCookie(w, &http.Cookie{Name: preCSRFCookie, Value: tok, Path: "/signin", HttpOnly: true,
		Secure: s.overTLS(r), SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	next := r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		next = r.PostFormValue("next")
	}
	s.render(w, r, status, "signin", map[string]any{
		"Title": "Sign in", "CSRF": tok, "Next": safeNext(next), "Error": msg,
		"UserID": r.PostFormValue("user"), "Providers": s.ssoButtons(),
	})
}

func (s *Server) postSignIn(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	c, err := r.Cookie(preCSRFCookie)
	form := r.PostFormValue(csrfField)
	if err != nil || form == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(form)) != 1 {
		s.signInForm(w, r, http.StatusForbidden, "The sign-in form had expired. Please try again.")
		return nil
	}
	addr := clientAddr(r, s.cfg.TrustedProxies)
	u, err := s.signIn(r.Context(), addr, strings.TrimSpace(r.PostFormValue("user")), r.PostFormValue("password"))
	switch fault.Code(err) {
	case "":
	case fault.Unauthorized:
		s.signInForm(w, r, http.StatusUnauthorized, webWords(fault.Message(err)))
		return nil
	case fault.Busy:
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter(err)))
		s.signInForm(w, r, http.StatusTooManyRequests, webWords(fault.Message(err)))
		return nil
	default:
		return err
	}
	if asked, err := s.secondStep(w, r, u); asked || err != nil {
		return err
	}
	if err := s.locks.clear(r.Context(), u.ID); err != nil {
		return err
	}
	sess, err := s.sessions.begin(r.Context(), u.ID)
	if err != nil {
		return err
	}
	s.clearCookie(w, r, preCSRFCookie, "/signin")
	s.setSessionCookie(w, r, sess)
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
	return nil
}

func (s *Server) postSignOut(w http.ResponseWriter, r *http.Request) error {
	p := who(r)
	if p.Session != nil {
		if err := s.sessions.end(r.Context(), p.Session.ID); err != nil {
			return err // still signed in: the page says to try again
		}
	}
	s.clearCookie(w, r, sessionCookie, "/")
	if err := s.record(r.Context(), event(p.User, "logout", p.User.ID)); err != nil {
		s.cfg.Log.Error("audit: sign-out not recorded", "user", p.User.ID, "err", err)
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
	return nil
}
