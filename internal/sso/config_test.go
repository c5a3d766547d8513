package sso_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/sso"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := `{"base_url": "https://civiclink.example.org/", "providers": [{"id": "ecc", "name": "Essex County Council", "partner": "county",
	  "issuer": "https://login.microsoftonline.com/tenant/v2.0", "client_id": "abc", "client_secret_file": "` + secret + `",
	  "claim": "oid", "email_domains": ["@Essex.gov.uk"]}]}`
	for _, tc := range []struct {
		name, text string
		fields     []string // fields named in the refusal; none: loads
	}{
		{"good", good, nil},
		{"unknown field", `{"providers": [{"id": "x", "secret": "inline"}]}`, []string{"documented shape"}},
		{"every field wrong", `{"base_url": "ftp://x/y", "providers": [{"id": "Bad Id", "issuer": "http://idp.example", "claim": "upn", "email_domains": ["not a domain"]}]}`,
			[]string{"base_url", "id must", "name the provider", "name the partner", "must be an https URL", "client_id", `claim "upn"`, `"not a domain"`}},
		{"duplicate id", `{"providers": [{"id": "a", "name": "A", "partner": "p", "issuer": "https://a.example", "client_id": "c"}, {"id": "a", "name": "A", "partner": "p", "issuer": "https://a.example", "client_id": "c"}]}`,
			[]string{"used twice"}},
		{"missing secret file", `{"providers": [{"id": "a", "name": "A", "partner": "p", "issuer": "https://a.example", "client_id": "c", "client_secret_file": "/nonexistent"}]}`,
			[]string{"client_secret_file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sso.json")
			if err := os.WriteFile(path, []byte(tc.text), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := sso.Load(path)
			if tc.fields == nil {
				if err != nil {
					t.Fatal(err)
				}
				p := c.Find("ecc")
				if c.BaseURL != "https://civiclink.example.org" || p == nil || p.EmailDomains[0] != "essex.gov.uk" || p.Claim != "oid" {
					t.Errorf("loaded %+v", c)
				}
				return
			}
			if fault.Code(err) != fault.Invalid {
				t.Fatalf("Load = %v, want invalid", err)
			}
			for _, f := range tc.fields {
				if !strings.Contains(err.Error(), f) {
					t.Errorf("refusal %q does not name %q", err, f)
				}
			}
		})
	}
}
