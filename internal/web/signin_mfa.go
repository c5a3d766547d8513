package web

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"html/template"
	"image/png"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp"

	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// mfaCookie holds the id of a sign-in whose password was right and whose
// second factor is awaited.
const mfaCookie = "civiclink_mfa"

// pendingSignIn is a sign-in waiting for its second factor (or for the
// enrolment of one), for at most [pendingTTL].
type pendingSignIn struct {
	userID  string
	enrol   *govern.Enrolment // set while enrolling: shown again on a wrong code
	expires time.Time
	tries   int
}

// pendingTTL is how long the second step may take; maxPendingTries how
// many wrong codes one password sign-in may try.
const (
	pendingTTL      = 5 * time.Minute
	maxPendingTries = 5
)

// pendingSignIns are the sign-ins awaiting a second factor, in memory: a
// restart asks for the password again.
type pendingSignIns struct {
	mu    sync.Mutex
	clock clock.Clock
	byID  map[string]*pendingSignIn
}

func newPendingSignIns(c clock.Clock) *pendingSignIns {
	return &pendingSignIns{clock: c, byID: map[string]*pendingSignIn{}}
}

// add keeps p under a new id.
func (ps *pendingSignIns) add(p *pendingSignIn) string {
	id := randomID()
	now := ps.clock.Now()
	p.expires = now.Add(pendingTTL)
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for k, o := range ps.byID {
		if !now.Before(o.expires) {
			delete(ps.byID, k)
		}
	}
	ps.byID[id] = p
	return id
}

// get returns the live pending sign-in with id, or nil.
func (ps *pendingSignIns) get(id string) *pendingSignIn {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p := ps.byID[id]
	if p == nil || !ps.clock.Now().Before(p.expires) || p.tries >= maxPendingTries {
		delete(ps.byID, id)
		return nil
	}
	return p
}

// end forgets a pending sign-in.
func (ps *pendingSignIns) end(id string) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	delete(ps.byID, id)
}

// secondStep decides what follows a right password for u: a session
// (false), or the second factor's page (true, written).
func (s *Server) secondStep(w http.ResponseWriter, r *http.Request, u *govern.User) (bool, error) {
	if !s.cfg.SecondFactor {
		return false, nil
	}
	enrolled, err := s.cfg.Govern.MFAEnrolled(r.Context(), u.ID)
	if err != nil {
		return false, err
	}
	if !enrolled && !govern.MFARequired(u) {
		return false, nil
	}
	p := &pendingSignIn{userID: u.ID}
	if !enrolled {
		if p.enrol, err = s.cfg.Govern.EnrolMFA(r.Context(), u); err != nil {
			return false, err
		}
	}
	id := s.pending.add(p)
	http.SetCookie(w, &http.Cookie{Name: mfaCookie, Value: id, Path: "/signin", HttpOnly: true,
		Secure: s.overTLS(r), SameSite: http.SameSiteStrictMode, MaxAge: int(pendingTTL / time.Second)})
	return true, s.mfaForm(w, r, http.StatusOK, id, p, "")
}

// mfaForm shows the second step: the code field, and while enrolling the
// QR code, key and recovery codes. The pending id is the form's
// double-submit token.
func (s *Server) mfaForm(w http.ResponseWriter, r *http.Request, status int, id string, p *pendingSignIn, msg string) error {
	data := map[string]any{"Title": "Second factor", "CSRF": id, "Next": safeNext(r.PostFormValue("next")), "Error": msg}
	if p.enrol != nil {
		qr, err := qrDataURL(p.enrol.URL)
		if err != nil {
			return err
		}
		data["Enrol"], data["QR"] = p.enrol, qr
	}
	s.render(w, r, status, "signin-mfa", data)
	return nil
}

// qrDataURL draws an otpauth:// URL as a PNG QR code in a data: URL (the
// content security policy allows data: images).
func qrDataURL(u string) (template.URL, error) {
	key, err := otp.NewKeyFromURL(u)
	if err != nil {
		return "", fault.Wrap(err, fault.Internal, "cannot read the authenticator key")
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return "", fault.Wrap(err, fault.Internal, "cannot draw the QR code")
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", fault.Wrap(err, fault.Internal, "cannot draw the QR code")
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), nil
}

// postSignInMFA checks the second step's code: a wrong one counts towards
// the account's lockout; a right one starts the session.
func (s *Server) postSignInMFA(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	c, err := r.Cookie(mfaCookie)
	var p *pendingSignIn
	if err == nil {
		p = s.pending.get(c.Value)
	}
	form := r.PostFormValue(csrfField)
	if p == nil || form == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(form)) != 1 {
		s.clearCookie(w, r, mfaCookie, "/signin")
		s.signInForm(w, r, http.StatusUnauthorized, "The sign-in took too long or had too many wrong codes. Please sign in again.")
		return nil
	}
	u, err := s.cfg.Govern.Actor(r.Context(), p.userID)
	if err != nil {
		return err
	}
	if err := s.checkCode(r.Context(), u, p, strings.TrimSpace(r.PostFormValue("code"))); err != nil {
		if fault.Code(err) != fault.Unauthorized {
			return err
		}
		p.tries++
		return s.mfaForm(w, r, http.StatusUnauthorized, c.Value, p, fault.Message(err))
	}
	s.pending.end(c.Value)
	if err := s.locks.clear(r.Context(), u.ID); err != nil {
		return err
	}
	sess, err := s.sessions.begin(r.Context(), u.ID)
	if err != nil {
		return err
	}
	s.clearCookie(w, r, mfaCookie, "/signin")
	s.clearCookie(w, r, preCSRFCookie, "/signin")
	s.setSessionCookie(w, r, sess)
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
	return nil
}

// checkCode confirms an enrolment or checks a second factor, counting a
// wrong code as a failed sign-in of the account.
func (s *Server) checkCode(ctx context.Context, u *govern.User, p *pendingSignIn, code string) error {
	at, until, err := s.locks.attempt(ctx, u.ID)
	if err != nil {
		return err
	}
	if at.IsZero() {
		return fault.Errorf(fault.Unauthorized, "too many failed sign-ins: this account is locked until %s UTC", until.UTC().Format(time.TimeOnly))
	}
	if p.enrol != nil {
		return s.cfg.Govern.ConfirmMFA(ctx, u, code)
	}
	return s.cfg.Govern.CheckSecondFactor(ctx, u, code)
}
