package web

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
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
	"github.com/civiclink/civiclink/internal/web/sessions"
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
	// enrolling is set while enrolling, also where another process holds
	// the enrolment to show.
	enrolling bool
}

// pendingTTL is how long the second step may take; maxPendingTries how
// many wrong codes one password sign-in may try.
const (
	pendingTTL      = 5 * time.Minute
	maxPendingTries = 5
)

// pendingSignIns are the sign-ins awaiting a second factor: in the store
// when there is one, so that the code may be sent to any web process on
// it, else in memory. An enrolment's key and recovery codes, shown again
// after a wrong code, stay in the memory of the process that made them
// (never in the store in the clear); another process confirms the
// enrolment all the same, and after a wrong code asks to sign in again.
type pendingSignIns struct {
	mu    sync.Mutex
	clock clock.Clock
	back  sessions.FlowStore // nil: in byID only
	byID  map[string]*pendingSignIn
}

// storedPending is a pending sign-in as the store keeps it.
type storedPending struct {
	User      string    `json:"user"`
	Enrolling bool      `json:"enrolling,omitempty"`
	Tries     int       `json:"tries"`
	Expires   time.Time `json:"expires"`
}

func newPendingSignIns(c clock.Clock, back sessions.FlowStore) *pendingSignIns {
	return &pendingSignIns{clock: c, back: back, byID: map[string]*pendingSignIn{}}
}

// pendingKey keeps pending sign-ins' ids apart from single sign-on
// states in the store.
func pendingKey(id string) string { return "second-factor " + id }

// add keeps p under a new id.
func (ps *pendingSignIns) add(ctx context.Context, p *pendingSignIn) (string, error) {
	id := randomID()
	p.expires = ps.clock.Now().Add(pendingTTL)
	return id, ps.put(ctx, id, p)
}

// put keeps p under id (again, after a wrong code).
func (ps *pendingSignIns) put(ctx context.Context, id string, p *pendingSignIn) error {
	now := ps.clock.Now()
	ps.mu.Lock()
	for k, o := range ps.byID {
		if !now.Before(o.expires) {
			delete(ps.byID, k)
		}
	}
	if ps.back == nil || p.enrol != nil {
		ps.byID[id] = p
	}
	ps.mu.Unlock()
	if ps.back == nil {
		return nil
	}
	data, err := json.Marshal(storedPending{User: p.userID, Enrolling: p.enrol != nil, Tries: p.tries, Expires: p.expires})
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot keep the sign-in under way")
	}
	return ps.back.AddSignInFlow(ctx, pendingKey(id), data, now, p.expires, ssoMaxFlows)
}

// take removes and returns the live pending sign-in with id, or nil;
// after a wrong code it is put back.
func (ps *pendingSignIns) take(ctx context.Context, id string) (*pendingSignIn, error) {
	now := ps.clock.Now()
	ps.mu.Lock()
	local := ps.byID[id]
	delete(ps.byID, id)
	ps.mu.Unlock()
	p := local
	if ps.back != nil {
		data, err := ps.back.TakeSignInFlow(ctx, pendingKey(id), now)
		if fault.Code(err) == fault.NotFound {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		var sp storedPending
		if err := json.Unmarshal(data, &sp); err != nil {
			return nil, fault.Wrap(err, fault.Internal, "cannot read the sign-in under way")
		}
		p = &pendingSignIn{userID: sp.User, tries: sp.Tries, expires: sp.Expires, enrolling: sp.Enrolling}
		if local != nil && local.userID == sp.User {
			p.enrol = local.enrol
		}
	}
	if p == nil || !now.Before(p.expires) || p.tries >= maxPendingTries {
		return nil, nil
	}
	return p, nil
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
	p := &pendingSignIn{userID: u.ID, enrolling: !enrolled}
	if !enrolled {
		if p.enrol, err = s.cfg.Govern.EnrolMFA(r.Context(), u); err != nil {
			return false, err
		}
	}
	id, err := s.pending.add(r.Context(), p)
	if err != nil {
		return false, err
	}
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
	form := r.PostFormValue(csrfField)
	var p *pendingSignIn
	if err == nil && form != "" && subtle.ConstantTimeCompare([]byte(c.Value), []byte(form)) == 1 {
		if p, err = s.pending.take(r.Context(), c.Value); err != nil {
			return err
		}
	}
	if p == nil {
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
			if perr := s.pending.put(r.Context(), c.Value, p); perr != nil {
				s.cfg.Log.Error("sign-in: a pending second step is lost", "user", u.ID, "err", perr)
			}
			return err
		}
		p.tries++
		if err := s.pending.put(r.Context(), c.Value, p); err != nil {
			return err
		}
		if p.enrolling && p.enrol == nil { // the enrolment to show is with another process
			s.clearCookie(w, r, mfaCookie, "/signin")
			s.signInForm(w, r, http.StatusUnauthorized, fault.Message(err)+" Please sign in again to see your new key.")
			return nil
		}
		return s.mfaForm(w, r, http.StatusUnauthorized, c.Value, p, fault.Message(err))
	}
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
	if p.enrolling {
		return s.cfg.Govern.ConfirmMFA(ctx, u, code)
	}
	return s.cfg.Govern.CheckSecondFactor(ctx, u, code)
}
