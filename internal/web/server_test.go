package web

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// concrete fills a route's {params} with sample values.
func concrete(path string) string {
	r := strings.NewReplacer("{id}", "incidents", "{number}", "1", "{file...}", "app.js", "{$}", "")
	return r.Replace(path)
}

func TestUnauthenticated(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	for _, rt := range f.srv.routes {
		if rt.open {
			continue
		}
		t.Run(rt.pattern(), func(t *testing.T) {
			res := c.do(rt.method, concrete(rt.path), nil, "")
			if rt.api {
				if got, want := res.StatusCode, http.StatusUnauthorized; got != want {
					t.Fatalf("status = %d, want %d", got, want)
				}
				if code, _ := errorCode(t, res); code != fault.Unauthorized {
					t.Errorf("error code = %q, want %q", code, fault.Unauthorized)
				}
				return
			}
			if got, want := res.StatusCode, http.StatusSeeOther; got != want {
				t.Fatalf("status = %d, want %d", got, want)
			}
			if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/signin?next=") {
				t.Errorf("Location = %q, want the sign-in page", loc)
			}
		})
	}
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	f := newFixture(t)
	res := f.client(t).do("GET", "/api/openapi.json", nil, "")
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(readBody(t, res)), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi = %q, want 3.x", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			pattern := strings.ToUpper(method) + " " + path
			documented[pattern] = true
			// The mux must route a request of this shape to exactly this pattern.
			req := httptest.NewRequest(strings.ToUpper(method), concrete(path), nil)
			if _, got := f.srv.mux.Handler(req); got != pattern {
				t.Errorf("documented %s is routed to %q", pattern, got)
			}
		}
	}
	for _, rt := range f.srv.routes {
		if strings.HasPrefix(rt.path, "/api/") && !documented[rt.pattern()] {
			t.Errorf("route %s is not in the OpenAPI document", rt.pattern())
		}
	}
	if len(documented) == 0 {
		t.Fatal("the document has no operations")
	}
}

func TestSignIn(t *testing.T) {
	f := newFixture(t)
	t.Run("wrong password", func(t *testing.T) {
		res := f.client(t).signIn(ownerID, "not the password at all")
		if got, want := res.StatusCode, http.StatusUnauthorized; got != want {
			t.Fatalf("status = %d, want %d", got, want)
		}
		if body := readBody(t, res); !strings.Contains(body, "sign-in failed") {
			t.Errorf("page does not say sign-in failed")
		}
	})
	t.Run("right password", func(t *testing.T) {
		c := f.client(t)
		res := c.signIn(ownerID, password)
		if got, want := res.StatusCode, http.StatusSeeOther; got != want {
			t.Fatalf("status = %d, want %d", got, want)
		}
		var ck *http.Cookie
		for _, k := range res.Cookies() {
			if k.Name == sessionCookie {
				ck = k
			}
		}
		if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.Secure {
			t.Fatalf("session cookie = %+v, want HttpOnly, SameSite=Strict, Path=/, not Secure over plain HTTP", ck)
		}
		if len(ck.Value) < 40 {
			t.Errorf("session id %q is too short to be random", ck.Value)
		}
		me := c.do("GET", "/api/me", nil, "")
		if got, want := me.StatusCode, http.StatusOK; got != want {
			t.Fatalf("/api/me status = %d, want %d", got, want)
		}
		if c.csrf == "" {
			t.Error("no CSRF token for the session")
		}
	})
	t.Run("forged form", func(t *testing.T) {
		c := f.client(t)
		res := c.do("POST", "/signin", strings.NewReader("user=olive&password=x&csrf=forged"), "application/x-www-form-urlencoded")
		if got, want := res.StatusCode, http.StatusForbidden; got != want {
			t.Fatalf("status = %d, want %d", got, want)
		}
	})
	if got := len(f.rec.find("login")); got < 2 {
		t.Errorf("%d login events recorded, want at least 2 (a failure and a success)", got)
	}
}

func TestSecureCookies(t *testing.T) {
	f := newFixture(t)
	f.srv.cfg.SecureCookies = true
	res := f.client(t).do("GET", "/signin", nil, "")
	for _, k := range res.Cookies() {
		if !k.Secure {
			t.Errorf("cookie %s is not Secure with SecureCookies set", k.Name)
		}
	}
}

func TestLockout(t *testing.T) {
	f := newFixture(t)
	for i := 0; i < 5; i++ {
		f.client(t).signIn(ownerID, "wrong password number "+string(rune('a'+i)))
	}
	res := f.client(t).signIn(ownerID, password)
	if got, want := res.StatusCode, http.StatusUnauthorized; got != want {
		t.Fatalf("after 5 failures: status = %d, want %d", got, want)
	}
	if body := readBody(t, res); !strings.Contains(body, "locked") {
		t.Error("the page does not say the account is locked")
	}
	// Another account is not affected.
	if got, want := f.client(t).signIn(analystID, password).StatusCode, http.StatusSeeOther; got != want {
		t.Fatalf("other account: status = %d, want %d", got, want)
	}
	f.clock.Advance(15 * time.Minute)
	if got, want := f.client(t).signIn(ownerID, password).StatusCode, http.StatusSeeOther; got != want {
		t.Fatalf("15 minutes later: status = %d, want %d", got, want)
	}
}

func TestSignOut(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.signIn(ownerID, password)
	if got, want := c.do("POST", "/signout", strings.NewReader("csrf=wrong"), "application/x-www-form-urlencoded").StatusCode, http.StatusForbidden; got != want {
		t.Fatalf("sign-out with a wrong CSRF token: status = %d, want %d", got, want)
	}
	res := c.do("POST", "/signout", strings.NewReader("csrf="+c.csrf), "application/x-www-form-urlencoded")
	if got, want := res.StatusCode, http.StatusSeeOther; got != want {
		t.Fatalf("sign-out: status = %d, want %d", got, want)
	}
	if got, want := c.do("GET", "/api/me", nil, "").StatusCode, http.StatusUnauthorized; got != want {
		t.Fatalf("after sign-out: /api/me status = %d, want %d", got, want)
	}
	if len(f.rec.find("logout")) != 1 {
		t.Error("sign-out was not audited")
	}
}

func TestBearer(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	tests := []struct {
		name, header string
		want         int
	}{
		{"valid", "Bearer " + f.token, http.StatusOK},
		{"not bearer", "Basic b2xpdmU6eA==", http.StatusUnauthorized},
		{"malformed", "Bearer nonsense", http.StatusUnauthorized},
		{"unknown", "Bearer cvl_000000000000_" + strings.Repeat("A", 43), http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.do("GET", "/api/datasets", nil, "", "Authorization", tt.header)
			if got := res.StatusCode; got != tt.want {
				t.Fatalf("status = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestDatasetAPI(t *testing.T) {
	f := newFixture(t)
	f.load(t, "incidents.csv")
	owner := f.client(t)
	owner.signIn(ownerID, password)
	other := f.client(t)
	other.signIn(analystID, password)
	tests := []struct {
		name string
		c    *client
		path string
		want int
		code string
	}{
		{"list", owner, "/api/datasets", 200, ""},
		{"one", owner, "/api/datasets/incidents", 200, ""},
		{"missing", owner, "/api/datasets/nope", 404, fault.NotFound},
		{"versions", owner, "/api/datasets/incidents/versions", 200, ""},
		{"latest", owner, "/api/datasets/incidents/versions/0", 200, ""},
		{"bad number", owner, "/api/datasets/incidents/versions/x", 400, fault.Invalid},
		{"no such version", owner, "/api/datasets/incidents/versions/9", 404, fault.NotFound},
		{"other partner sees catalogue", other, "/api/datasets/incidents/versions/1", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.c.do("GET", tt.path, nil, "")
			if got := res.StatusCode; got != tt.want {
				t.Fatalf("status = %d, want %d", got, tt.want)
			}
			if tt.code != "" {
				if code, _ := errorCode(t, res); code != tt.code {
					t.Errorf("code = %q, want %q", code, tt.code)
				}
			}
		})
	}
	// Value ranges in the quality report are the owning partner's only.
	ranges := func(c *client) string {
		body := readBody(t, c.do("GET", "/api/datasets/incidents/versions/1", nil, ""))
		return body
	}
	if got := ranges(owner); !strings.Contains(got, `"min": "2025-`) {
		t.Errorf("owner does not see the date range")
	}
	if got := ranges(other); strings.Contains(got, `"min"`) {
		t.Errorf("another partner sees value ranges")
	}
}

func TestInternalErrorIsGeneric(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	f.st.Close()
	res := c.do("GET", "/api/datasets", nil, "", "Authorization", "Bearer "+f.token)
	if got, want := res.StatusCode, http.StatusInternalServerError; got != want {
		t.Fatalf("status = %d, want %d", got, want)
	}
	code, msg := errorCode(t, res)
	if code != fault.Internal || strings.Contains(strings.ToLower(msg), "sql") || strings.Contains(msg, "closed") {
		t.Errorf("error = %q %q, want a generic internal message", code, msg)
	}
	if !strings.Contains(f.logs.String(), "internal error") {
		t.Error("the real error was not logged")
	}
}

func TestStatusMapping(t *testing.T) {
	tests := []struct {
		code string
		want int
	}{
		{fault.Invalid, 400}, {fault.Unauthorized, 401}, {fault.Forbidden, 403}, {fault.NotFound, 404},
		{fault.Conflict, 409}, {fault.Disclosure, 422}, {fault.Busy, 429}, {fault.Internal, 500}, {"", 500},
	}
	for _, tt := range tests {
		if got := status(tt.code); got != tt.want {
			t.Errorf("status(%q) = %d, want %d", tt.code, got, tt.want)
		}
	}
}

func TestServeShutsDown(t *testing.T) {
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.srv.ServeListener(ctx, ln) }()
	res, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve returned %v after shutdown, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not return after the context was cancelled")
	}
}

func TestBrokenConfig(t *testing.T) {
	if _, err := New(Config{}); fault.Code(err) != fault.Invalid {
		t.Fatalf("New(empty) error = %v, want invalid", err)
	}
}

func TestGroupDigits(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1,000"}, {17473, "17,473"}, {-1234567, "-1,234,567"}}
	for _, tt := range tests {
		if got := groupDigits(tt.n); got != tt.want {
			t.Errorf("groupDigits(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
