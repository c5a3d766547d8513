package web

import (
	"context"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/govern"
)

// TestCommunitySuggestGuard sends a parallel burst of 40 valid suggestions
// from one address (behind a trusted proxy) to the real server: exactly
// the limit's 5 are stored, the rest get 429 with Retry-After and a page
// saying nothing was saved, and the flood is audited once; another address
// is not held back by it. A suggestion with the honeypot filled is refused
// and stores nothing; the published directory is unchanged throughout.
func TestCommunitySuggestGuard(t *testing.T) {
	f, dir := communityFixtureWith(t, 0, func(c *Config) {
		c.Suggest = SuggestLimits{PerAddress: 5, Window: time.Hour}
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	})
	ctx := context.Background()
	before, _ := dir.Published(ctx)
	post := func(from string, edit func(v map[string][]string)) (int, string, string) {
		v := suggestion()
		if edit != nil {
			edit(v)
		}
		req, _ := http.NewRequest("POST", f.ts.URL+"/community/suggest", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", from)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error(), ""
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header.Get("Retry-After")
	}
	const burst = 40
	codes := make([]int, burst)
	bodies := make([]string, burst)
	retry := make([]string, burst)
	var wg sync.WaitGroup
	for i := range burst {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], bodies[i], retry[i] = post("203.0.113.7", nil)
		}()
	}
	wg.Wait()
	counts := map[int]int{}
	for i, c := range codes {
		counts[c]++
		if c == http.StatusTooManyRequests && (retry[i] == "" || !strings.Contains(bodies[i], "Too many suggestions have come from your address") || !strings.Contains(bodies[i], "Nothing has been saved")) {
			t.Errorf("a refused request: Retry-After %q, body %s", retry[i], between(bodies[i], `id="suggest-problems"`, "</div>"))
		}
	}
	if counts[http.StatusOK] != 5 || counts[http.StatusTooManyRequests] != burst-5 {
		t.Errorf("burst of %d from one address: %v, want 5 × 200 and %d × 429", burst, counts, burst-5)
	}
	pending := func() int {
		subs, err := f.st.CommunitySubmissions(ctx, community.Pending)
		if err != nil {
			t.Fatal(err)
		}
		return len(subs)
	}
	if n := pending(); n != 5 {
		t.Errorf("%d suggestions stored from the burst, want 5", n)
	}
	if code, _, _ := post("203.0.113.8", nil); code != http.StatusOK {
		t.Errorf("another address after the burst: %d, want 200", code)
	}
	code, body, _ := post("203.0.113.9", func(v map[string][]string) { v[honeypotField] = []string{"http://spam.example"} })
	if code != http.StatusBadRequest || !strings.Contains(body, "looks sent by a program") || !strings.Contains(body, "Nothing has been saved") {
		t.Errorf("honeypot filled: %d %s", code, between(body, `id="suggest-problems"`, "</div>"))
	}
	if n := pending(); n != 6 {
		t.Errorf("%d suggestions stored, want 6 (the honeypot's not among them)", n)
	}
	var floods, pots int
	for _, e := range f.rec.find("community.suggest") {
		if e.Outcome != govern.OutcomeDenied {
			continue
		}
		if strings.Contains(e.Reason, "more than 5 suggestions from one address") {
			floods++
		}
		if strings.Contains(e.Reason, "hidden field") {
			pots++
		}
		if strings.Contains(e.Reason+e.Target, "203.0.113") {
			t.Errorf("the audit entry holds the client's address: %+v", e)
		}
	}
	if floods != 1 || pots != 1 {
		t.Errorf("audited %d floods and %d honeypots, want 1 and 1", floods, pots)
	}
	after, _ := dir.Published(ctx)
	if after.Len() != before.Len() {
		t.Errorf("the published directory went from %d to %d services", before.Len(), after.Len())
	}
	_, page := f.client(t).get("/community/suggest")
	if !strings.Contains(page, `name="`+honeypotField+`" tabindex="-1"`) || !strings.Contains(page, `aria-hidden="true"`) {
		t.Errorf("the form lacks its hidden, unfocusable honeypot")
	}
}
