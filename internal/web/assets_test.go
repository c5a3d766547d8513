package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

func TestAccepts(t *testing.T) {
	tests := []struct {
		header, coding string
		want           bool
	}{
		{"gzip, deflate, br, zstd", "br", true},
		{"gzip, deflate", "br", false},
		{"gzip;q=0.8, br;q=0", "br", false},
		{"gzip;q=0.8, br;q=0", "gzip", true},
		{"GZIP", "gzip", true},
		{"*", "br", true},
		{"", "gzip", false},
		{"identity", "gzip", false},
	}
	for _, tt := range tests {
		if got := accepts(tt.header, tt.coding); got != tt.want {
			t.Errorf("accepts(%q, %q) = %v, want %v", tt.header, tt.coding, got, tt.want)
		}
	}
}

// TestAssetsCompressedAndCached: the bundle's files are sent brotli- or
// gzip-encoded as the browser accepts (the build's own compressed forms,
// which decode to the file), plain otherwise, with a year's cache for a
// hashed name; the favicon answers.
func TestAssetsCompressedAndCached(t *testing.T) {
	f := newFixture(t)
	if !f.srv.built {
		t.Skip("the UI bundle is not built: run `make ui`")
	}
	script := f.srv.bundle.Script
	if !hashed.MatchString(script) || len(f.srv.bundle.Styles) == 0 {
		t.Fatalf("bundle %+v: want hashed names and a style sheet", f.srv.bundle)
	}
	plain, err := fs.ReadFile(f.srv.assetFS, strings.TrimPrefix(script, "/"))
	if err != nil {
		t.Fatal(err)
	}
	get := func(path, accept string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", f.ts.URL+path, nil)
		req.Header.Set("Accept-Encoding", accept) // set by hand: the client then leaves the body as sent
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, body
	}
	decode := map[string]func([]byte) ([]byte, error){
		"br": func(b []byte) ([]byte, error) { return io.ReadAll(brotli.NewReader(bytes.NewReader(b))) },
		"gzip": func(b []byte) ([]byte, error) {
			r, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				return nil, err
			}
			return io.ReadAll(r)
		},
		"": func(b []byte) ([]byte, error) { return b, nil },
	}
	for _, tt := range []struct{ accept, want string }{
		{"gzip, deflate, br, zstd", "br"},
		{"gzip, deflate", "gzip"},
		{"br;q=0, gzip", "gzip"},
		{"identity", ""},
	} {
		res, body := get(script, tt.accept)
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != tt.want {
			t.Errorf("Accept-Encoding %q: status %d, Content-Encoding %q, want 200 %q", tt.accept, res.StatusCode, res.Header.Get("Content-Encoding"), tt.want)
			continue
		}
		got, err := decode[tt.want](body)
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("Accept-Encoding %q: %d bytes sent decode to %d (%v), want the %d-byte script", tt.accept, len(body), len(got), err, len(plain))
		}
		if tt.want != "" && len(body) > len(plain)/2 {
			t.Errorf("%s sends %d of %d bytes: not compressed", tt.want, len(body), len(plain))
		}
		if res.Header.Get("Vary") != "Accept-Encoding" || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
			t.Errorf("headers %v: want Vary Accept-Encoding, a year's immutable cache and a JavaScript type", res.Header)
		}
	}
	for _, path := range []string{script + ".br", script + ".gz", "/assets/nope-12345678.js"} {
		if res, _ := get(path, "gzip"); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, res.StatusCode)
		}
	}
	for _, path := range []string{"/favicon.svg", "/favicon.ico"} {
		if res, body := get(path, ""); res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/svg+xml" || !bytes.Contains(body, []byte("<svg")) {
			t.Errorf("%s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
}
