// Package sso signs users in through a partner's own identity provider
// with OpenID Connect: the authorisation code flow with PKCE, a state
// and a nonce, and a verified ID token (signature, issuer, audience,
// expiry). It proves who the provider says an account is; which civiclink
// user that account is, and whether they may sign in, is the govern
// room's decision ([govern.Service.SignInWith]).
package sso

import (
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
)

// Provider is one partner's identity provider as configured.
type Provider struct {
	// ID names the provider in URLs, links and the audit log.
	ID string `json:"id"`
	// Name is the sign-in button's label, e.g. "Essex County Council".
	Name string `json:"name"`
	// Partner is the civiclink partner whose staff the provider signs in:
	// it can sign in users of that partner only.
	Partner string `json:"partner"`
	// Issuer is the provider's issuer URL (its discovery document is at
	// Issuer + "/.well-known/openid-configuration").
	Issuer   string `json:"issuer"`
	ClientID string `json:"client_id"`
	// ClientSecretFile holds the client secret (never the configuration
	// itself); empty for a public client that relies on PKCE alone.
	ClientSecretFile string `json:"client_secret_file,omitempty"`
	// Claim is the ID token claim that links an account to a user: "sub"
	// (the default), "oid" (Microsoft Entra ID's object id) or "email"
	// (which must then be verified by the provider).
	Claim string `json:"claim,omitempty"`
	// EmailDomains, when set, admits only accounts whose verified email
	// address is in one of these domains.
	EmailDomains []string `json:"email_domains,omitempty"`
	// ProviderMFA trusts the provider's own second factor: an ID token
	// whose "amr" claim says "mfa" needs no civiclink code. Without it,
	// users whose roles need a second factor enter their civiclink code
	// after the provider, as after a password.
	ProviderMFA bool `json:"provider_mfa,omitempty"`

	secret string
}

// Config is the single sign-on configuration: the providers, and the
// address the browser reaches civiclink at.
type Config struct {
	// BaseURL is civiclink's public address (e.g.
	// "https://civiclink.example.org"); each provider's redirect URI is
	// BaseURL + "/signin/sso/" + ID + "/callback". Empty: taken from each
	// request's host, which suits a single server reached by one name.
	BaseURL   string     `json:"base_url,omitempty"`
	Providers []Provider `json:"providers"`
}

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,40}$`)

// Load reads a configuration file, then each provider's client secret
// file, and validates the whole.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fault.Wrap(err, fault.Invalid, "cannot read the single sign-on configuration %s", path)
	}
	var c Config
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fault.Errorf(fault.Invalid, "single sign-on configuration %s is not valid JSON of the documented shape: %v", path, err)
	}
	for i := range c.Providers {
		p := &c.Providers[i]
		if p.ClientSecretFile == "" {
			continue
		}
		s, err := os.ReadFile(p.ClientSecretFile)
		if err != nil {
			return nil, fault.Wrap(err, fault.Invalid, "provider %q: cannot read its client_secret_file", p.ID)
		}
		p.secret = strings.TrimSpace(string(s))
	}
	return &c, c.Validate()
}

// SetSecret gives a provider its client secret (Load reads it from the
// secret file).
func (p *Provider) SetSecret(secret string) { p.secret = secret }

// Validate checks every provider, naming each field that is wrong.
func (c *Config) Validate() error {
	var errs []error
	if c.BaseURL != "" {
		if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			errs = append(errs, fault.FieldErrorf(fault.Invalid, "base_url", "base_url %q must be an absolute http(s) URL with no path, e.g. https://civiclink.example.org", c.BaseURL))
		}
		c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	}
	seen := map[string]bool{}
	for i := range c.Providers {
		p := &c.Providers[i]
		if seen[p.ID] {
			errs = append(errs, fault.FieldErrorf(fault.Invalid, "id", "provider id %q is used twice", p.ID))
		}
		seen[p.ID] = true
		errs = append(errs, p.validate()...)
	}
	return errors.Join(errs...)
}

func (p *Provider) validate() []error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fault.FieldErrorf(fault.Invalid, field, "provider %q: "+format, append([]any{p.ID}, args...)...))
	}
	if !idPattern.MatchString(p.ID) {
		bad("id", "id must be lower-case letters, digits and '-', starting with a letter")
	}
	if p.Name == "" {
		bad("name", "name the provider for its sign-in button, e.g. \"Essex County Council\"")
	}
	if p.Partner == "" {
		bad("partner", "name the partner whose staff it signs in")
	}
	if u, err := url.Parse(p.Issuer); err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
		bad("issuer", "issuer %q must be an https URL (http only on this machine, for tests)", p.Issuer)
	}
	if p.ClientID == "" {
		bad("client_id", "client_id is the id the provider gave civiclink's registration")
	}
	switch p.Claim {
	case "":
		p.Claim = "sub"
	case "sub", "oid", "email":
	default:
		bad("claim", "claim %q is not one of sub, oid, email", p.Claim)
	}
	for i, d := range p.EmailDomains {
		d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
		if d == "" || strings.ContainsAny(d, "@ /") || !strings.Contains(d, ".") {
			bad("email_domains", "email domain %q is not a domain such as essex.gov.uk", p.EmailDomains[i])
		}
		p.EmailDomains[i] = d
	}
	return errs
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "::1" || strings.HasPrefix(host, "127.")
}

// Find returns the provider with id, or nil.
func (c *Config) Find(id string) *Provider {
	if c == nil {
		return nil
	}
	for i := range c.Providers {
		if c.Providers[i].ID == id {
			return &c.Providers[i]
		}
	}
	return nil
}
