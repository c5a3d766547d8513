package web

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/metrics"
)

func TestHealthzAndReadyz(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	for _, p := range []struct {
		path string
		want int
	}{{"/healthz", http.StatusOK}, {"/readyz", http.StatusOK}} {
		if got := c.do("GET", p.path, nil, "").StatusCode; got != p.want {
			t.Fatalf("store open: %s status = %d, want %d", p.path, got, p.want)
		}
	}
	f.st.Close()
	if got, want := c.do("GET", "/healthz", nil, "").StatusCode, http.StatusOK; got != want {
		t.Errorf("store closed: /healthz status = %d, want %d (the process is alive)", got, want)
	}
	if got, want := c.do("GET", "/readyz", nil, "").StatusCode, http.StatusServiceUnavailable; got != want {
		t.Errorf("store closed: /readyz status = %d, want %d", got, want)
	}
}

func TestMetricsEndpoint(t *testing.T) {
	m := metrics.New()
	f := newFixtureWith(t, func(c *Config) {
		c.Metrics, c.AccessLog = m, true
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
	c := f.client(t)
	c.do("GET", "/healthz", nil, "")
	c.do("GET", "/api/datasets/incidents", nil, "", "Authorization", "Bearer "+f.token)
	c.signIn(ownerID, "wrong password, long enough to try")
	res := c.do("GET", "/metrics", nil, "")
	body := readBody(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/metrics from loopback: status %d: %s", res.StatusCode, body)
	}
	for _, want := range []string{
		`civiclink_http_requests_total{code="200",method="GET",route="GET /healthz"} 1`,
		`civiclink_http_requests_total{code="200",method="GET",route="GET /api/datasets/{id}"} 1`,
		`civiclink_http_request_duration_seconds_count{method="GET",route="GET /api/datasets/{id}"} 1`,
		`civiclink_signin_failures_total{reason="password"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// A public client forwarded by the trusted local proxy is refused.
	res = c.do("GET", "/metrics", nil, "", "X-Forwarded-For", "198.51.100.1")
	if got, want := res.StatusCode, http.StatusForbidden; got != want {
		t.Errorf("/metrics for a forwarded public client: status %d, want %d", got, want)
	}
	if !strings.Contains(f.logs.String(), "client=198.51.100.1") {
		t.Errorf("the request log does not name the forwarded client:\n%s", f.logs.String())
	}
}

func TestHTTPS(t *testing.T) {
	cert, key := selfSigned(t)
	f := newFixtureWith(t, func(c *Config) { c.TLSCertFile, c.TLSKeyFile = cert, key })
	if !f.srv.cfg.SecureCookies {
		t.Fatalf("a certificate did not turn on Secure cookies")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.srv.ServeListener(ctx, ln) }()
	defer func() { cancel(); <-done }()
	pem, _ := os.ReadFile(cert)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	res, err := hc.Get("https://" + ln.Addr().String() + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("Strict-Transport-Security"); got != hstsValue {
		t.Errorf("HSTS = %q, want %q", got, hstsValue)
	}
	var secure bool
	for _, ck := range res.Cookies() {
		secure = secure || ck.Secure
	}
	if len(res.Cookies()) > 0 && !secure {
		t.Errorf("cookies over HTTPS are not Secure: %v", res.Cookies())
	}
	if res, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP on the HTTPS port: status %d, want %d", res.StatusCode, http.StatusBadRequest)
		}
	}
	_, err = New(Config{Catalog: f.st, Govern: f.gov, Audit: f.rec, TLSCertFile: cert})
	if err == nil || !strings.Contains(err.Error(), "both") {
		t.Errorf("a certificate without a key: got %v, want a refusal asking for both", err)
	}
}

// TestShutdownJobs shuts the server down while an upload is being loaded:
// with time to spare the job finishes; without, it is cancelled, shown as
// interrupted and put on the audit log, and no version is left behind.
func TestShutdownJobs(t *testing.T) {
	cases := []struct {
		name        string
		grace       time.Duration
		release     bool // the load may go on while the server shuts down
		wantState   string
		interrupted int
	}{
		{"finishes within the grace", time.Minute, true, jobDone, 0},
		{"interrupted after the grace", 200 * time.Millisecond, false, jobFailed, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			started, release := make(chan struct{}), make(chan struct{})
			m := metrics.New()
			f := newFixtureWith(t, func(c *Config) {
				c.Metrics, c.ShutdownGrace = m, tc.grace
				c.Ingest = &heldIngest{Service: &ingest.Service{Catalog: c.Catalog, Gov: c.Govern, Audit: c.Audit, Clock: c.Clock},
					started: started, release: release}
			})
			f.ts.Close() // serve through ServeListener instead, to shut it down
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- f.srv.ServeListener(ctx, ln) }()
			c := f.client(t)
			c.base = "http://" + ln.Addr().String()
			auth := []string{"Authorization", "Bearer " + f.token}
			j := startUpload(t, c, "incidents.csv", auth...)
			<-started
			cancel()
			if tc.release {
				close(release)
			}
			if err := <-done; err != nil {
				t.Fatalf("shutdown: %v", err)
			}
			got, _, ok := f.srv.jobs.get(j.ID)
			if !ok || got.State != tc.wantState {
				t.Fatalf("job after shutdown = %+v, want state %s", got, tc.wantState)
			}
			if n := len(f.rec.find("job.interrupted")); n != tc.interrupted {
				t.Errorf("%d job.interrupted audit entries, want %d", n, tc.interrupted)
			}
			vs, err := f.st.Versions(context.Background(), "incidents")
			if err != nil {
				t.Fatal(err)
			}
			if want := 1 - tc.interrupted; len(vs) != want {
				t.Errorf("%d versions after shutdown, want %d", len(vs), want)
			}
		})
	}
}

// heldIngest is the real ingest service, its loads held at their start
// until released or cancelled.
type heldIngest struct {
	*ingest.Service
	started, release chan struct{}
}

func (h *heldIngest) Load(ctx context.Context, u *govern.User, req ingest.Request) (*ingest.Result, error) {
	close(h.started)
	select {
	case <-h.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return h.Service.Load(ctx, u, req)
}

// selfSigned writes a certificate and key for 127.0.0.1 and returns their
// paths.
func selfSigned(tb testing.TB) (string, string) {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "civiclink test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		tb.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return cert, key
}
