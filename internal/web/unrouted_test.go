package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestUnrouted answers unknown API paths and wrong methods with the
// documented JSON error (405 naming the allowed methods), and unknown
// pages with the error page.
func TestUnrouted(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		method, path string
		status       int
		code         string // the JSON error's code; "" for a page
		allow        string
	}{
		{"GET", "/api/nothing-here", http.StatusNotFound, "not_found", ""},
		{"GET", "/api/datasets/incidents/nothing", http.StatusNotFound, "not_found", ""},
		{"DELETE", "/api/datasets", http.StatusMethodNotAllowed, "method_not_allowed", "GET, HEAD"},
		{"PUT", "/api/agreements", http.StatusMethodNotAllowed, "method_not_allowed", "GET, HEAD, POST"},
		{"POST", "/api/openapi.json", http.StatusMethodNotAllowed, "method_not_allowed", "GET, HEAD"},
		{"GET", "/no-such-page", http.StatusNotFound, "", ""},
		{"DELETE", "/signin", http.StatusMethodNotAllowed, "", "GET, HEAD, POST"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			res := f.client(t).do(tt.method, tt.path, nil, "")
			if res.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d", res.StatusCode, tt.status)
			}
			if got := res.Header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
			if tt.code == "" {
				if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
					t.Errorf("Content-Type = %q, want the HTML error page", ct)
				}
				readBody(t, res)
				return
			}
			code, msg := errorCode(t, res)
			if code != tt.code || !strings.Contains(msg, tt.path) {
				t.Errorf("error = %q %q, want code %q and a message naming %s", code, msg, tt.code, tt.path)
			}
		})
	}
}

// TestNoAssetListing serves the bundle's files but no folder's listing.
func TestNoAssetListing(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/assets/", "/assets/?C=M;O=D"} {
		res := f.client(t).do("GET", path, nil, "")
		body := readBody(t, res)
		if res.StatusCode == http.StatusOK || strings.Contains(body, "<a href") {
			t.Errorf("GET %s = %d, want no listing: %.200s", path, res.StatusCode, body)
		}
	}
	if !f.srv.built {
		t.Skip("the UI bundle is not built (make ui): its files cannot be checked")
	}
	if res := f.client(t).do("GET", f.srv.bundle.Script, nil, ""); res.StatusCode != http.StatusOK {
		t.Errorf("GET %s (the bundle's script) = %d, want 200", f.srv.bundle.Script, res.StatusCode)
	}
}

// TestTLS marks cookies Secure and sends HSTS when a request arrives over
// TLS, or when the server is configured as behind a TLS proxy, and not
// otherwise.
func TestTLS(t *testing.T) {
	tests := []struct {
		name     string
		tls      bool
		behind   bool
		wantHSTS bool
	}{
		{"plain HTTP", false, false, false},
		{"TLS", true, false, true},
		{"behind a TLS proxy", false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.srv.cfg.SecureCookies = tt.behind
			ts := httptest.NewUnstartedServer(f.srv)
			if tt.tls {
				ts.StartTLS()
			} else {
				ts.Start()
			}
			defer ts.Close()
			res, err := ts.Client().Get(ts.URL + "/signin")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if got := res.Header.Get("Strict-Transport-Security") != ""; got != tt.wantHSTS {
				t.Errorf("HSTS sent = %v, want %v", got, tt.wantHSTS)
			}
			if len(res.Cookies()) == 0 {
				t.Fatal("the sign-in form set no cookie")
			}
			for _, k := range res.Cookies() {
				if k.Secure != tt.wantHSTS {
					t.Errorf("cookie %s Secure = %v, want %v", k.Name, k.Secure, tt.wantHSTS)
				}
			}
		})
	}
}
