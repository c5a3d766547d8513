// Package ssotest runs a real OpenID Connect provider for tests: an
// authorisation server that publishes a discovery document and its keys,
// shows a sign-in form (or signs a chosen account in at once), checks
// PKCE, issues one-time codes and RS256-signed ID tokens — and can be
// told to misbehave as an attacker or a broken provider would (forge the
// signature, tamper with a signed token, expire it, address it to another
// client, replay an old nonce).
package ssotest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Account is an account at the provider, by login name.
type Account struct {
	Sub           string
	Email         string
	EmailVerified bool
	AMR           []string
	OID           string
}

// Mischief changes how the next ID tokens are made.
type Mischief struct {
	// ForgeKey signs with a key the provider never published, under the
	// published key's id.
	ForgeKey bool
	// Tamper changes a claim after signing (the signature no longer
	// covers the payload).
	Tamper map[string]any
	// ExpiredBy makes tokens that expired this long ago by the
	// provider's clock.
	ExpiredBy time.Duration
	// Claims overrides claims before signing (e.g. "aud", "exp", "iss",
	// "nonce").
	Claims map[string]any
}

// Provider is a running provider.
type Provider struct {
	URL          string
	ClientID     string
	ClientSecret string
	// Now is the provider's clock (time.Now when nil).
	Now func() time.Time

	key, forged *rsa.PrivateKey
	kid         string

	mu       sync.Mutex
	accounts map[string]Account
	codes    map[string]*grant
	auto     string // login signed in at once, without the form
	mischief Mischief
	// Exchanges counts token requests; Refused those refused.
	exchanges, refused int
}

// grant is an issued code and what it was issued for.
type grant struct {
	login, clientID, redirect, nonce, challenge string
	used                                        bool
}

// Start runs a provider on a loopback port for the test's duration, for
// one client.
func Start(tb testing.TB, clientID, secret string) *Provider {
	tb.Helper()
	p := &Provider{ClientID: clientID, ClientSecret: secret, kid: "k1",
		accounts: map[string]Account{}, codes: map[string]*grant{}}
	var err error
	if p.key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /keys", p.keys)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /authorize", p.login)
	mux.HandleFunc("POST /token", p.token)
	ts := httptest.NewServer(mux)
	tb.Cleanup(ts.Close)
	// By name, not by address: to a browser the provider is then another
	// site than a server under test at 127.0.0.1, as a real one is.
	p.URL = strings.Replace(ts.URL, "127.0.0.1", "localhost", 1)
	return p
}

// Add creates an account with a login name.
func (p *Provider) Add(login string, a Account) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.accounts[login] = a
}

// AutoLogin makes every authorisation sign login in at once, without the
// form ("" shows the form again).
func (p *Provider) AutoLogin(login string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.auto = login
}

// Misbehave sets the mischief for the ID tokens that follow.
func (p *Provider) Misbehave(m Mischief) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mischief = m
}

// Refused returns how many token requests were refused.
func (p *Provider) Refused() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refused
}

func (p *Provider) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Provider) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.URL,
		"authorization_endpoint":                p.URL + "/authorize",
		"token_endpoint":                        p.URL + "/token",
		"jwks_uri":                              p.URL + "/keys",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      []string{"openid", "profile", "email"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}

func (p *Provider) keys(w http.ResponseWriter, _ *http.Request) {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: p.kid, Algorithm: "RS256", Use: "sig"}}}
	writeJSON(w, http.StatusOK, set)
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><title>Test identity provider</title></head><body>
<h1>Test identity provider</h1>
<form method="post" action="/authorize">
{{range $k, $v := .}}<input type="hidden" name="{{$k}}" value="{{index $v 0}}">
{{end}}<label for="login">Account</label> <input id="login" name="login">
<button type="submit" id="idp-submit">Sign in</button>
</form></body></html>`))

// authorize checks an authorisation request and shows the sign-in form,
// or signs the auto-login account in.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if msg := p.checkAuthorize(q); msg != "" {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	auto := p.auto
	p.mu.Unlock()
	if auto != "" {
		p.issue(w, r, q, auto)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	loginPage.Execute(w, q)
}

// checkAuthorize says what is wrong with an authorisation request.
func (p *Provider) checkAuthorize(q url.Values) string {
	switch {
	case q.Get("response_type") != "code":
		return "response_type must be code"
	case q.Get("client_id") != p.ClientID:
		return "unknown client"
	case q.Get("redirect_uri") == "":
		return "redirect_uri is required"
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		return "PKCE (S256) is required"
	case q.Get("state") == "" || q.Get("nonce") == "":
		return "state and nonce are required"
	}
	return ""
}

// login signs an account in from the form.
func (p *Provider) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	q := r.PostForm
	if msg := p.checkAuthorize(q); msg != "" {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	p.issue(w, r, q, q.Get("login"))
}

// issue sends the browser back with a one-time code for login.
func (p *Provider) issue(w http.ResponseWriter, r *http.Request, q url.Values, login string) {
	p.mu.Lock()
	_, ok := p.accounts[login]
	code := randomText()
	if ok {
		p.codes[code] = &grant{login: login, clientID: q.Get("client_id"), redirect: q.Get("redirect_uri"),
			nonce: q.Get("nonce"), challenge: q.Get("code_challenge")}
	}
	p.mu.Unlock()
	back, _ := url.Parse(q.Get("redirect_uri"))
	v := url.Values{"state": {q.Get("state")}}
	if ok {
		v.Set("code", code)
	} else {
		v.Set("error", "access_denied")
		v.Set("error_description", "unknown account")
	}
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// token exchanges a code: client authentication, one use, the same
// redirect URI, and the PKCE verifier matching the challenge.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.exchanges++
	g := p.codes[r.PostForm.Get("code")]
	var why string
	switch {
	case id != p.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(p.ClientSecret)) != 1:
		why = "invalid_client"
	case r.PostForm.Get("grant_type") != "authorization_code":
		why = "unsupported_grant_type"
	case g == nil || g.used || g.clientID != id || g.redirect != r.PostForm.Get("redirect_uri"):
		why = "invalid_grant"
	case !pkceMatches(r.PostForm.Get("code_verifier"), g.challenge):
		why = "invalid_grant"
	}
	if g != nil {
		g.used = true
	}
	if why != "" {
		p.refused++
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": why})
		return
	}
	raw, err := p.idToken(g)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": randomText(), "token_type": "Bearer", "expires_in": 300, "id_token": raw})
}

func pkceMatches(verifier, challenge string) bool {
	sum := sha256.Sum256([]byte(verifier))
	return verifier != "" && base64.RawURLEncoding.EncodeToString(sum[:]) == challenge
}

// idToken signs the grant's ID token, with the mischief set (called with
// p.mu held).
func (p *Provider) idToken(g *grant) (string, error) {
	a := p.accounts[g.login]
	now := p.now()
	claims := map[string]any{"iss": p.URL, "sub": a.Sub, "aud": g.clientID, "iat": now.Unix(),
		"exp": now.Add(5 * time.Minute).Unix(), "nonce": g.nonce}
	if a.Email != "" {
		claims["email"], claims["email_verified"] = a.Email, a.EmailVerified
	}
	if a.AMR != nil {
		claims["amr"] = a.AMR
	}
	if a.OID != "" {
		claims["oid"] = a.OID
	}
	if d := p.mischief.ExpiredBy; d > 0 {
		claims["iat"], claims["exp"] = now.Add(-d-5*time.Minute).Unix(), now.Add(-d).Unix()
	}
	for k, v := range p.mischief.Claims {
		claims[k] = v
	}
	key := p.key
	if p.mischief.ForgeKey {
		if p.forged == nil {
			var err error
			if p.forged, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
				return "", err
			}
		}
		key = p.forged
	}
	raw, err := sign(key, p.kid, claims)
	if err != nil || p.mischief.Tamper == nil {
		return raw, err
	}
	return tamper(raw, p.mischief.Tamper)
}

// sign makes a compact RS256 JWS of claims.
func sign(key crypto.Signer, kid string, claims map[string]any) (string, error) {
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		return "", err
	}
	body, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := s.Sign(body)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// tamper rewrites a signed token's payload, keeping its signature.
func tamper(raw string, set map[string]any) (string, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("not a compact JWS")
	}
	body, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", err
	}
	var claims map[string]any
	if err := json.Unmarshal(body, &claims); err != nil {
		return "", err
	}
	for k, v := range set {
		claims[k] = v
	}
	if body, err = json.Marshal(claims); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s.%s.%s", parts[0], base64.RawURLEncoding.EncodeToString(body), parts[2]), nil
}

func randomText() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
