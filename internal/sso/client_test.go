package sso_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/sso"
	"github.com/civiclink/civiclink/internal/sso/ssotest"
)

const redirect = "http://127.0.0.1:1/signin/sso/county/callback"

// setup runs a provider with one account and a client of it.
func setup(t *testing.T, change func(*sso.Provider)) (*ssotest.Provider, *sso.Client) {
	t.Helper()
	op := ssotest.Start(t, "civiclink", "s3cret")
	op.Add("ann", ssotest.Account{Sub: "sub-ann", Email: "Ann@Essex.gov.uk", EmailVerified: true, AMR: []string{"pwd", "mfa"}, OID: "oid-ann"})
	op.Add("bob", ssotest.Account{Sub: "sub-bob", Email: "bob@example.com", EmailVerified: true})
	op.Add("eve", ssotest.Account{Sub: "sub-eve", Email: "eve@essex.gov.uk", EmailVerified: false})
	p := sso.Provider{ID: "county", Name: "Essex County Council", Partner: "county", Issuer: op.URL, ClientID: "civiclink"}
	p.SetSecret("s3cret")
	if change != nil {
		change(&p)
	}
	cfg := &sso.Config{Providers: []sso.Provider{p}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return op, sso.NewClient(cfg.Providers[0], clock.System{}, nil)
}

// authorise starts a flow and signs login in at the provider, returning
// the flow and the code the provider sent back.
func authorise(t *testing.T, op *ssotest.Provider, c *sso.Client, login string) (*sso.Flow, string) {
	t.Helper()
	op.AutoLogin(login)
	f, u, err := c.Start(context.Background(), redirect, "/", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(back.String(), redirect) {
		t.Fatalf("provider sent the browser to %q, want %s", res.Header.Get("Location"), redirect)
	}
	if got := back.Query().Get("state"); got != f.State {
		t.Fatalf("state came back as %q, want the flow's", got)
	}
	return f, back.Query().Get("code")
}

func TestFinishGood(t *testing.T) {
	for _, tc := range []struct {
		name, claim, login, want string
		providerMFA, wantMFA     bool
	}{
		{"subject", "", "ann", "sub-ann", false, false},
		{"entra object id", "oid", "ann", "oid-ann", false, false},
		{"verified email, lower-cased", "email", "ann", "ann@essex.gov.uk", false, false},
		{"provider's mfa trusted", "", "ann", "sub-ann", true, true},
		{"provider trusted but no mfa used", "", "bob", "sub-bob", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op, c := setup(t, func(p *sso.Provider) { p.Claim, p.ProviderMFA = tc.claim, tc.providerMFA })
			f, code := authorise(t, op, c, tc.login)
			a, err := c.Finish(context.Background(), f, code)
			if err != nil {
				t.Fatal(err)
			}
			if a.Key != tc.want || a.MFA != tc.wantMFA {
				t.Errorf("account key %q mfa %v, want %q %v", a.Key, a.MFA, tc.want, tc.wantMFA)
			}
		})
	}
}

// TestFinishRefuses is the attacks and the broken providers: each is
// refused with a reason for the audit log and a message for the user.
func TestFinishRefuses(t *testing.T) {
	for _, tc := range []struct {
		name     string
		change   func(*sso.Provider)
		login    string
		mischief ssotest.Mischief
		alter    func(f *sso.Flow, code *string)
		reason   string // in the audit reason
		message  string // in the user's message
	}{
		{name: "forged signature", login: "ann", mischief: ssotest.Mischief{ForgeKey: true},
			reason: "signature", message: "signature check"},
		{name: "tampered subject", login: "bob", mischief: ssotest.Mischief{Tamper: map[string]any{"sub": "sub-ann"}},
			reason: "signature", message: "signature check"},
		{name: "expired token", login: "ann", mischief: ssotest.Mischief{ExpiredBy: time.Hour},
			reason: "expired", message: "expired"},
		{name: "wrong audience", login: "ann", mischief: ssotest.Mischief{Claims: map[string]any{"aud": "another-app"}},
			reason: "another client", message: "another application"},
		{name: "wrong issuer", login: "ann", mischief: ssotest.Mischief{Claims: map[string]any{"iss": "https://evil.example"}},
			reason: "issuer", message: "configured identity provider"},
		{name: "replayed nonce", login: "ann", mischief: ssotest.Mischief{Claims: map[string]any{"nonce": "an-old-sign-in"}},
			reason: "nonce", message: "another sign-in"},
		{name: "code without the PKCE verifier", login: "ann", alter: func(f *sso.Flow, _ *string) { f.Verifier = "x" + f.Verifier[1:] },
			reason: "not accepted by the provider", message: "did not accept"},
		{name: "made-up code", login: "ann", alter: func(_ *sso.Flow, code *string) { *code = "guessed" },
			reason: "not accepted by the provider", message: "did not accept"},
		{name: "unverified email", login: "eve", change: func(p *sso.Provider) { p.Claim = "email" },
			reason: "not verified", message: "did not confirm your email"},
		{name: "email outside the partner's domains", login: "bob", change: func(p *sso.Provider) { p.EmailDomains = []string{"essex.gov.uk"} },
			reason: "not a verified address in essex.gov.uk", message: "not one of"},
		{name: "no claim configured", login: "bob", change: func(p *sso.Provider) { p.Claim = "oid" },
			reason: "no oid claim", message: "did not say who you are"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op, c := setup(t, tc.change)
			op.Misbehave(tc.mischief)
			f, code := authorise(t, op, c, tc.login)
			if tc.alter != nil {
				tc.alter(f, &code)
			}
			a, err := c.Finish(context.Background(), f, code)
			var rf *sso.Refusal
			if a != nil || !asRefusal(err, &rf) {
				t.Fatalf("Finish = %+v, %v; want a refusal", a, err)
			}
			if !strings.Contains(rf.Reason, tc.reason) {
				t.Errorf("audit reason %q does not say %q", rf.Reason, tc.reason)
			}
			if msg := fault.Message(err); !strings.Contains(msg, tc.message) || fault.Code(err) != fault.Unauthorized {
				t.Errorf("user message %q (%s) does not say %q", msg, fault.Code(err), tc.message)
			}
		})
	}
}

func asRefusal(err error, rf **sso.Refusal) bool {
	r, ok := err.(*sso.Refusal)
	*rf = r
	return ok
}

// TestCodeUsedOnce: one code exchanged by many at once signs in once.
func TestCodeUsedOnce(t *testing.T) {
	op, c := setup(t, nil)
	f, code := authorise(t, op, c, "ann")
	var ok, refused atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := c.Finish(context.Background(), f, code); err == nil {
				ok.Add(1)
			} else if _, isRefusal := err.(*sso.Refusal); isRefusal {
				refused.Add(1)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 1 || refused.Load() != 19 {
		t.Errorf("%d exchanges of one code succeeded and %d were refused, want 1 and 19", ok.Load(), refused.Load())
	}
}

// TestProviderDown: an unreachable provider is said, not a crash; the
// client finds it once it is up.
func TestProviderDown(t *testing.T) {
	p := sso.Provider{ID: "down", Name: "Down Council", Partner: "county", Issuer: "http://127.0.0.1:1", ClientID: "x"}
	cfg := &sso.Config{Providers: []sso.Provider{p}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	c := sso.NewClient(cfg.Providers[0], clock.System{}, &http.Client{Timeout: time.Second})
	_, _, err := c.Start(context.Background(), redirect, "/", time.Minute)
	if fault.Code(err) != fault.Busy || !strings.Contains(fault.Message(err), "Down Council cannot be reached") {
		t.Errorf("Start = %v, want busy: cannot be reached", err)
	}
}
