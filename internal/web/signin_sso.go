package web

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/sso"
	"github.com/civiclink/civiclink/internal/web/sessions"
)

// ssoCookie binds a single sign-on flow to the browser that started it,
// so that a provider's answer cannot be replayed into another browser
// (login CSRF). It is SameSite=Lax: the provider's redirect back is a
// cross-site top-level navigation, on which Strict cookies are not sent.
const ssoCookie = "civiclink_sso"

// How long a sign-in at the provider may take, and how many may be under
// way at once (each holds a few hundred bytes until it ends or expires).
const (
	ssoFlowTTL  = 10 * time.Minute
	ssoMaxFlows = 10000
)

// ssoFlow is a flow under way and the browser it belongs to.
type ssoFlow struct {
	*sso.Flow
	binding string // the ssoCookie's value
}

// storedFlow is an ssoFlow as a [sessions.FlowStore] keeps it.
type storedFlow struct {
	sso.Flow
	Binding string
}

// ssoFlows are the flows under way, by state: in the store when there is
// one (any web process on it may finish a flow), else in memory. Each is
// taken once, so a replayed state finds nothing.
type ssoFlows struct {
	mu    sync.Mutex
	clock clock.Clock
	back  sessions.FlowStore // nil: byID
	byID  map[string]*ssoFlow
}

func newSSOFlows(c clock.Clock, back sessions.FlowStore) *ssoFlows {
	return &ssoFlows{clock: c, back: back, byID: map[string]*ssoFlow{}}
}

// add keeps f; fault.Busy when too many are under way.
func (fs *ssoFlows) add(ctx context.Context, f *ssoFlow) error {
	now := fs.clock.Now()
	if fs.back != nil {
		data, err := json.Marshal(storedFlow{Flow: *f.Flow, Binding: f.binding})
		if err != nil {
			return fault.Wrap(err, fault.Internal, "cannot keep the sign-in under way")
		}
		return fs.back.AddSignInFlow(ctx, f.State, data, now, f.Expires, ssoMaxFlows)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if len(fs.byID) >= ssoMaxFlows {
		for k, o := range fs.byID {
			if !now.Before(o.Expires) {
				delete(fs.byID, k)
			}
		}
		if len(fs.byID) >= ssoMaxFlows {
			return fault.Errorf(fault.Busy, "too many sign-ins are under way")
		}
	}
	fs.byID[f.State] = f
	return nil
}

// take removes and returns the live flow with state, or nil.
func (fs *ssoFlows) take(ctx context.Context, state string) (*ssoFlow, error) {
	now := fs.clock.Now()
	if fs.back != nil {
		if state == "" {
			return nil, nil
		}
		data, err := fs.back.TakeSignInFlow(ctx, state, now)
		if fault.Code(err) == fault.NotFound {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		var sf storedFlow
		if err := json.Unmarshal(data, &sf); err != nil {
			return nil, fault.Wrap(err, fault.Internal, "cannot read the sign-in under way")
		}
		return &ssoFlow{Flow: &sf.Flow, binding: sf.Binding}, nil
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f := fs.byID[state]
	delete(fs.byID, state)
	if f == nil || !now.Before(f.Expires) {
		return nil, nil
	}
	return f, nil
}

// ssoClients makes a client per configured provider.
func ssoClients(cfg *sso.Config, c clock.Clock, hc *http.Client) map[string]*sso.Client {
	out := map[string]*sso.Client{}
	if cfg == nil {
		return out
	}
	for _, p := range cfg.Providers {
		out[p.ID] = sso.NewClient(p, c, hc)
	}
	return out
}

// ssoButtons are the providers offered on the sign-in page.
func (s *Server) ssoButtons() []sso.Provider {
	if s.cfg.SSO == nil {
		return nil
	}
	return s.cfg.SSO.Providers
}

// redirectURI is where provider p sends the browser back to.
func (s *Server) redirectURI(r *http.Request, p string) string {
	base := ""
	if s.cfg.SSO != nil {
		base = s.cfg.SSO.BaseURL
	}
	if base == "" {
		scheme := "http"
		if s.overTLS(r) {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + "/signin/sso/" + url.PathEscape(p) + "/callback"
}

// getSSOStart sends the browser to the provider with a new flow: state,
// nonce and PKCE challenge. Each start counts towards the address's
// sign-in limit.
func (s *Server) getSSOStart(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("provider")
	c := s.sso[id]
	if c == nil {
		return fault.Errorf(fault.NotFound, "there is no identity provider %q: choose one on the sign-in page", id)
	}
	addr := clientAddr(r, s.cfg.TrustedProxies)
	if ok, wait, _ := s.addrs.allow(addr); !ok {
		s.cfg.Metrics.SignInFailed("address")
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+1)))
		s.signInForm(w, r, http.StatusTooManyRequests, "Too many sign-ins from your address: wait a minute and try again.")
		return nil
	}
	f, authURL, err := c.Start(r.Context(), s.redirectURI(r, id), safeNext(r.URL.Query().Get("next")), ssoFlowTTL)
	if err != nil {
		if fault.Code(err) == fault.Busy {
			s.signInForm(w, r, http.StatusBadGateway, fault.Message(err))
			return nil
		}
		return err
	}
	binding := randomID()
	if err := s.ssoFlows.add(r.Context(), &ssoFlow{Flow: f, binding: binding}); fault.Code(err) == fault.Busy {
		w.Header().Set("Retry-After", "60")
		s.signInForm(w, r, http.StatusTooManyRequests, "Too many sign-ins are under way: wait a minute and try again.")
		return nil
	} else if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: binding, Path: "/signin/sso/", HttpOnly: true,
		Secure: s.overTLS(r), SameSite: http.SameSiteLaxMode, MaxAge: int(ssoFlowTTL / time.Second)})
	http.Redirect(w, r, authURL, http.StatusSeeOther)
	return nil
}

// getSSOCallback finishes a flow: the state must be one under way, bound
// to this browser, for this provider; the code is exchanged with the
// PKCE verifier and the ID token verified; the account must be linked to
// an enabled user of the provider's partner. Then the session is the
// same as a password sign-in's (with the same second factor unless the
// provider is trusted for it). Every refusal is recorded and said.
func (s *Server) getSSOCallback(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("provider")
	q := r.URL.Query()
	s.clearCookie(w, r, ssoCookie, "/signin/sso/")
	f, err := s.ssoFlows.take(r.Context(), q.Get("state"))
	if err != nil {
		return err
	}
	c := s.sso[id]
	var refusal string
	switch {
	case c == nil:
		return fault.Errorf(fault.NotFound, "there is no identity provider %q: choose one on the sign-in page", id)
	case f == nil:
		refusal = "the sign-in's state is unknown, already used or expired"
	case f.Provider != id:
		refusal = "the sign-in was started with provider " + f.Provider
	case !sameBinding(r, f.binding):
		refusal = "the sign-in was started in another browser"
	case q.Get("error") != "":
		refusal = "the provider refused: " + q.Get("error") + " " + q.Get("error_description")
	}
	if refusal != "" {
		return s.ssoRefuse(w, r, id, refusal, "This sign-in could not be finished (it may have been used already, taken too long, or been started elsewhere). Please sign in again.")
	}
	acct, err := c.Finish(r.Context(), f.Flow, q.Get("code"))
	var rf *sso.Refusal
	if errors.As(err, &rf) {
		return s.ssoRefuse(w, r, id, rf.Reason, fault.Message(err))
	}
	if err != nil {
		return err
	}
	p := c.Provider()
	u, err := s.cfg.Govern.SignInWith(r.Context(), p.ID, p.Partner, acct.Key)
	if fault.Code(err) == fault.Unauthorized { // recorded by govern
		s.cfg.Metrics.SignInFailed("sso")
		s.signInForm(w, r, http.StatusUnauthorized, fault.Message(err))
		return nil
	}
	if err != nil {
		return err
	}
	return s.ssoSession(w, r, u, acct, f.Next)
}

// ssoSession starts the session of a user proved by a provider, asking
// for the civiclink second factor first when the provider has not given
// one the user needs.
func (s *Server) ssoSession(w http.ResponseWriter, r *http.Request, u *govern.User, acct *sso.Account, next string) error {
	if !acct.MFA {
		r.PostForm = url.Values{"next": {next}} // the second step's form carries it on
		if asked, err := s.secondStep(w, r, u); asked || err != nil {
			return err
		}
	}
	sess, err := s.sessions.begin(r.Context(), u.ID)
	if err != nil {
		return err
	}
	s.setSessionCookie(w, r, sess)
	// A page, not a redirect: the browser came here from the provider's
	// site, and would not send the SameSite=Strict session cookie on a
	// redirect that continues that navigation; it does on one this page
	// starts.
	w.Header().Set("Refresh", "0; url="+next)
	s.render(w, r, http.StatusOK, "signin-sso", map[string]any{"Title": "Signed in", "Next": next})
	return nil
}

// sameBinding reports whether the request carries the flow's cookie.
func sameBinding(r *http.Request, binding string) bool {
	c, err := r.Cookie(ssoCookie)
	return err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(binding)) == 1
}

// ssoRefuse records a refused single sign-on and shows the sign-in page
// with what to do.
func (s *Server) ssoRefuse(w http.ResponseWriter, r *http.Request, provider, reason, msg string) error {
	s.cfg.Metrics.SignInFailed("sso")
	e := govern.Event{User: "anonymous", Action: "login.sso", Target: provider, Outcome: govern.OutcomeDenied, Reason: reason}
	if err := s.record(r.Context(), e); err != nil {
		return err
	}
	s.signInForm(w, r, http.StatusUnauthorized, msg)
	return nil
}
