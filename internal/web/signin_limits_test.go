package web

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

// TestClientAddr believes X-Forwarded-For only from a trusted proxy, read
// from the right, skipping trusted hops.
func TestClientAddr(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	tests := []struct {
		name    string
		remote  string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"no proxy", "192.0.2.1:5000", nil, nil, "192.0.2.1"},
		{"header from an untrusted peer", "192.0.2.1:5000", []string{"198.51.100.9"}, proxies, "192.0.2.1"},
		{"header ignored without trusted proxies", "10.0.0.2:5000", []string{"198.51.100.9"}, nil, "10.0.0.2"},
		{"client behind the proxy", "10.0.0.2:5000", []string{"198.51.100.9"}, proxies, "198.51.100.9"},
		{"spoofed entry left of the real one", "10.0.0.2:5000", []string{"203.0.113.5, 198.51.100.9"}, proxies, "198.51.100.9"},
		{"two proxies", "10.0.0.2:5000", []string{"198.51.100.9, 10.1.1.1"}, proxies, "198.51.100.9"},
		{"two header lines", "10.0.0.2:5000", []string{"203.0.113.5", "198.51.100.9"}, proxies, "198.51.100.9"},
		{"garbled list", "10.0.0.2:5000", []string{"not-an-address"}, proxies, "10.0.0.2"},
		{"only proxies", "10.0.0.2:5000", []string{"10.3.3.3"}, proxies, "10.0.0.2"},
		{"IPv6 peer", "[2001:db8::1]:5000", nil, proxies, "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/signin", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := clientAddr(r, tt.trusted); got != tt.want {
				t.Errorf("clientAddr = %q, want %q", got, tt.want)
			}
		})
	}
}
