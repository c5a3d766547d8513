package sso

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/fault"
)

// Flow is one sign-in through a provider, between sending the browser
// to it and its return: the values the return must match. It is used
// once.
type Flow struct {
	Provider string
	State    string
	Nonce    string
	Verifier string // PKCE code verifier (RFC 7636, S256)
	Redirect string // the redirect URI sent, sent again with the code
	Next     string // where to go once signed in
	Expires  time.Time
}

// Account is a provider's account as its verified ID token shows it.
type Account struct {
	// Key is the value of the provider's configured claim: what links
	// the account to a civiclink user.
	Key     string
	Subject string
	Email   string
	// MFA is set when the provider is trusted for the second factor and
	// the token says one was used.
	MFA bool
}

// Refusal is why a provider's answer was not accepted: Reason is for the
// audit log (it may name the library's finding), the error's message for
// the user.
type Refusal struct {
	Reason string
	err    *fault.Error
}

func (r *Refusal) Error() string { return r.err.Error() }

// Unwrap lets fault.Code and fault.Message read the user's message.
func (r *Refusal) Unwrap() error { return r.err }

func refusal(reason, msg string) *Refusal {
	return &Refusal{Reason: reason, err: fault.Errorf(fault.Unauthorized, "%s", msg)}
}

// Client talks to one provider. Its discovery document and keys are
// fetched at first use (and again after a failure), so civiclink starts
// while a provider is down.
type Client struct {
	p     Provider
	clock clock.Clock
	http  *http.Client

	mu sync.Mutex
	op *oidc.Provider
}

// NewClient returns a client of provider p. hc is used for every call to
// the provider (nil: one with a 10-second timeout).
func NewClient(p Provider, c clock.Clock, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	return &Client{p: p, clock: c, http: hc}
}

// Provider returns the client's configuration.
func (c *Client) Provider() Provider { return c.p }

func (c *Client) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, c.http)
}

// discover returns the provider's discovery, fetching it once.
func (c *Client) discover(ctx context.Context) (*oidc.Provider, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.op != nil {
		return c.op, nil
	}
	op, err := oidc.NewProvider(c.ctx(ctx), c.p.Issuer)
	if err != nil {
		return nil, fault.Wrap(err, fault.Busy, "the identity provider %s cannot be reached: try again shortly, or sign in with your password", c.p.Name)
	}
	c.op = op
	return op, nil
}

func (c *Client) oauth(op *oidc.Provider, redirect string) *oauth2.Config {
	scopes := []string{oidc.ScopeOpenID, "profile"}
	if c.p.Claim == "email" || len(c.p.EmailDomains) > 0 {
		scopes = append(scopes, "email")
	}
	return &oauth2.Config{ClientID: c.p.ClientID, ClientSecret: c.p.secret, Endpoint: op.Endpoint(),
		RedirectURL: redirect, Scopes: scopes}
}

// Start makes a new flow returning to redirect and then next, and the
// provider's authorisation URL to send the browser to.
func (c *Client) Start(ctx context.Context, redirect, next string, ttl time.Duration) (*Flow, string, error) {
	op, err := c.discover(ctx)
	if err != nil {
		return nil, "", err
	}
	f := &Flow{Provider: c.p.ID, State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier(),
		Redirect: redirect, Next: next, Expires: c.clock.Now().Add(ttl)}
	u := c.oauth(op, redirect).AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier))
	return f, u, nil
}

// Finish exchanges the code for tokens (with the flow's PKCE verifier),
// verifies the ID token — signature by the provider's published keys,
// issuer, audience (our client id), expiry, the flow's nonce — and the
// configured claim and email domain. A refusal is a *[Refusal].
func (c *Client) Finish(ctx context.Context, f *Flow, code string) (*Account, error) {
	op, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := c.oauth(op, f.Redirect).Exchange(c.ctx(ctx), code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return nil, refusal("the code was not accepted by the provider: "+err.Error(),
			"the identity provider did not accept this sign-in (it may have been used already, or taken too long): sign in again")
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, refusal("the provider's answer had no ID token", "the identity provider sent no ID token: ask your partner admin to check civiclink's registration there (scope openid)")
	}
	v := op.Verifier(&oidc.Config{ClientID: c.p.ClientID, Now: c.clock.Now})
	idt, err := v.Verify(c.ctx(ctx), raw)
	if err != nil {
		return nil, verifyRefusal(err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return nil, refusal("the ID token's nonce is not this sign-in's (a replayed token)", "the identity provider's token belongs to another sign-in: sign in again")
	}
	return c.account(idt)
}

// verifyRefusal says why an ID token failed verification.
func verifyRefusal(err error) *Refusal {
	var exp *oidc.TokenExpiredError
	msg := err.Error()
	switch {
	case errors.As(err, &exp):
		return refusal("the ID token expired at "+exp.Expiry.UTC().Format(time.RFC3339), "the identity provider's token has expired: sign in again (if this repeats, the server's clock may be wrong)")
	case strings.Contains(msg, "audience"):
		return refusal("the ID token is for another client: "+msg, "the identity provider's token was issued to another application, not civiclink: ask your partner admin to check civiclink's client id")
	case strings.Contains(msg, "issuer"), strings.Contains(msg, "different provider"):
		return refusal("the ID token is from another issuer: "+msg, "the token did not come from the configured identity provider: sign in again, or ask your partner admin")
	case strings.Contains(msg, "signature"), strings.Contains(msg, "malformed"), strings.Contains(msg, "jws"):
		return refusal("the ID token's signature does not verify: "+msg, "the identity provider's token failed its signature check, so it was not accepted: sign in again")
	}
	return refusal("the ID token was not accepted: "+msg, "the identity provider's token was not accepted: sign in again")
}

// claims are the ID token claims civiclink reads.
type claims struct {
	Sub           string   `json:"sub"`
	OID           string   `json:"oid"`
	Email         string   `json:"email"`
	EmailVerified *bool    `json:"email_verified"`
	AMR           []string `json:"amr"`
}

// account reads the configured claim and checks the email domain.
func (c *Client) account(idt *oidc.IDToken) (*Account, error) {
	var cl claims
	if err := idt.Claims(&cl); err != nil {
		return nil, refusal("the ID token's claims cannot be read: "+err.Error(), "the identity provider's token could not be read: sign in again")
	}
	verified := cl.EmailVerified != nil && *cl.EmailVerified && cl.Email != ""
	a := &Account{Subject: cl.Sub, Email: strings.ToLower(cl.Email),
		MFA: c.p.ProviderMFA && slices.Contains(cl.AMR, "mfa")}
	switch c.p.Claim {
	case "oid":
		a.Key = cl.OID
	case "email":
		if !verified {
			return nil, refusal("the ID token's email address is missing or not verified", "the identity provider did not confirm your email address, which civiclink needs to know who you are: ask your partner admin")
		}
		a.Key = a.Email
	default:
		a.Key = cl.Sub
	}
	if a.Key == "" {
		return nil, refusal("the ID token has no "+c.p.Claim+" claim", "the identity provider did not say who you are (claim "+c.p.Claim+"): ask your partner admin")
	}
	if len(c.p.EmailDomains) > 0 {
		_, domain, _ := strings.Cut(a.Email, "@")
		if !verified || !slices.Contains(c.p.EmailDomains, domain) {
			return nil, refusal("the account's email "+a.Email+" is not a verified address in "+strings.Join(c.p.EmailDomains, ", "),
				"your account's email address is not one of "+c.p.Name+"'s domains: use your work account")
		}
	}
	return a, nil
}
