package web

import (
	"context"
	"crypto/subtle"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// Cookie names.
const (
	sessionCookie = "civiclink_session"
	preCSRFCookie = "civiclink_signin" // double-submit token of the sign-in form
	csrfHeader    = "X-CSRF-Token"
	csrfField     = "csrf"
)

// principal is who makes a request: a user, through a session (browser)
// or an API token (script).
type principal struct {
	User    *govern.User
	Session *session // nil for token calls
	// csrfPending marks a multipart form post whose CSRF token is a form
	// part: receive checks it before it accepts the file.
	csrfPending bool
}

type ctxKey struct{}

// who returns the request's principal; handlers behind authentication
// always have one.
func who(r *http.Request) *principal {
	p, _ := r.Context().Value(ctxKey{}).(*principal)
	return p
}

// identify finds the request's principal, nil when there is none.
// A malformed, revoked or expired token is an error, not anonymity.
func (s *Server) identify(r *http.Request) (*principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		text, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, fault.Errorf(fault.Unauthorized, "the Authorization header must be \"Bearer <token>\"")
		}
		u, err := s.cfg.Govern.TokenUser(r.Context(), text)
		if err != nil {
			return nil, err
		}
		return &principal{User: u}, nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, nil
	}
	sess, err := s.sessions.get(r.Context(), c.Value)
	if sess == nil || err != nil {
		return nil, err
	}
	u, err := s.cfg.Govern.Actor(r.Context(), sess.UserID)
	if fault.Code(err) == fault.Unauthorized {
		return nil, s.sessions.end(r.Context(), sess.ID) // disabled or removed since sign-in
	} else if err != nil {
		return nil, err
	}
	return &principal{User: u, Session: sess}, nil
}

// checkCSRF requires a state-changing call made with a session to carry
// the session's token in the X-CSRF-Token header or the csrf form field
// (for a streamed upload, a csrf part before the file).
func checkCSRF(r *http.Request, p *principal, streamed bool) error {
	if p.Session == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return nil
	}
	got := r.Header.Get(csrfHeader)
	if got == "" {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); streamed && mt == "multipart/form-data" {
			p.csrfPending = true // streamed: checked part by part
			return nil
		}
		got = r.PostFormValue(csrfField)
	}
	return p.checkToken(got)
}

// checkToken compares a presented CSRF token with the session's.
func (p *principal) checkToken(got string) error {
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.Session.CSRF)) != 1 {
		return fault.Errorf(fault.Forbidden, "the request's CSRF token is missing or stale: reload the page and try again")
	}
	return nil
}

// wrap adds authentication, CSRF checks and error handling to a route.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.open {
			s.finish(w, r, rt, rt.handle(w, r))
			return
		}
		p, err := s.identify(r)
		if err == nil && p == nil {
			if !rt.api {
				http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			err = fault.Errorf(fault.Unauthorized, "sign in or send an API token (Authorization: Bearer cvl_...)")
		}
		if err == nil {
			err = checkCSRF(r, p, rt.body == "multipart")
		}
		if err != nil {
			s.finish(w, r, rt, err)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, p))
		s.finish(w, r, rt, rt.handle(w, r))
	})
}

// signIn checks a password sign-in from client address addr, applying
// the per-address limit and the account lockout, and returns the user.
// The governance service records each password check; refusals before
// one are recorded here.
func (s *Server) signIn(ctx context.Context, addr, userID, password string) (*govern.User, error) {
	if ok, wait, first := s.addrs.allow(addr); !ok {
		s.cfg.Metrics.SignInFailed("address")
		if first {
			e := govern.Event{User: userID, Action: "login", Target: userID, Outcome: govern.OutcomeDenied,
				Reason: "too many sign-ins from address " + addr + " (further refusals this window are not recorded)"}
			if err := s.record(ctx, e); err != nil {
				return nil, err
			}
		}
		err := fault.Errorf(fault.Busy, "too many sign-ins from your address: wait %d seconds and try again", int(wait.Seconds()+1))
		return nil, &retryError{err: err, after: wait}
	}
	at, until, err := s.locks.attempt(ctx, userID)
	if err != nil {
		return nil, err
	}
	if at.IsZero() {
		s.cfg.Metrics.SignInFailed("locked")
		e := govern.Event{User: userID, Action: "login", Target: userID, Outcome: govern.OutcomeDenied, Reason: "account locked after repeated failures"}
		if err := s.record(ctx, e); err != nil {
			return nil, err
		}
		return nil, fault.Errorf(fault.Unauthorized, "too many failed sign-ins: this account is locked until %s UTC", until.UTC().Format(time.TimeOnly))
	}
	u, err := s.cfg.Govern.Login(ctx, userID, password)
	if err != nil {
		if fault.Code(err) != fault.Unauthorized { // the password was not checked
			if rerr := s.locks.release(ctx, userID, at); rerr != nil {
				s.cfg.Log.Error("sign-in: an unchecked attempt stays counted", "user", userID, "err", rerr)
			}
		} else {
			s.cfg.Metrics.SignInFailed("password")
		}
		return nil, err
	}
	return u, nil // the lockout's count is cleared once the sign-in is complete
}

// setSessionCookie gives the browser its session id.
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, sess *session) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: sess.ID, Path: "/", HttpOnly: true,
		Secure: s.overTLS(r), SameSite: http.SameSiteStrictMode,
		MaxAge: int(s.cfg.SessionMaxAge / time.Second), // the session's absolute end
	})
}

// clearCookie removes a cookie from the browser.
func (s *Server) clearCookie(w http.ResponseWriter, r *http.Request, name, path string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: path, HttpOnly: true,
		Secure: s.overTLS(r), SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// overTLS reports whether the browser reached us over TLS: directly, or
// through a proxy that terminates it ([Config.SecureCookies]). Cookies are
// then Secure and responses carry HSTS.
func (s *Server) overTLS(r *http.Request) bool {
	return r.TLS != nil || s.cfg.SecureCookies
}

// record puts a web event on the audit log, stamped with the clock.
func (s *Server) record(ctx context.Context, e govern.Event) error {
	e.At = s.cfg.Clock.Now()
	if err := s.cfg.Audit.Record(ctx, e); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot record the action in the audit log")
	}
	return nil
}

// event is an allowed web event by u.
func event(u *govern.User, action, target string) govern.Event {
	return govern.Event{User: u.ID, Partner: u.PartnerID, Action: action, Target: target, Outcome: govern.OutcomeAllowed}
}
