package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// swapHandler serves through whichever server is current: a restart at
// the same address.
type swapHandler struct{ h atomic.Pointer[Server] }

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.h.Load().ServeHTTP(w, r) }

// TestBrowserJobLostOnRestart signs in in Chromium, follows a job that is
// still under way, then restarts the server at the same address: the
// session holds (it is in the store), and the job page, whose event
// stream the new server refuses, says the job is not known to this
// server instead of "reconnecting" for ever; so does the page reloaded.
func TestBrowserJobLostOnRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	ctx := browser(t)
	f := newFixture(t)
	if !f.srv.built {
		t.Fatal("the UI bundle is not embedded: run `make ui` (npm ci and vite build in web/) before the browser test")
	}
	restarted, err := New(f.srv.cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(restarted.Close)
	var swap swapHandler
	swap.h.Store(f.srv)
	ts := httptest.NewServer(&swap)
	t.Cleanup(ts.Close)
	dir := artefacts(t)
	j := f.srv.jobs.add(ownerID, "incidents", "incidents.csv", 1000) // queued: under way until the restart
	var live, lost, reloaded string
	steps := []struct {
		name    string
		actions []chromedp.Action
	}{
		{"sign in", []chromedp.Action{
			chromedp.Navigate(ts.URL + "/signin"),
			chromedp.WaitVisible(`#user`, chromedp.ByQuery),
			chromedp.SendKeys(`#user`, ownerID, chromedp.ByQuery),
			chromedp.SendKeys(`#password`, password, chromedp.ByQuery),
			chromedp.Submit(`#password`, chromedp.ByQuery),
			chromedp.WaitVisible(`form.signout`, chromedp.ByQuery), // signed in
		}},
		{"follow the job", []chromedp.Action{
			chromedp.Navigate(ts.URL + "/jobs/" + j.ID),
			chromedp.WaitVisible(`#job[data-state="queued"]`, chromedp.ByQuery),
			chromedp.Text(`#job-status`, &live, chromedp.ByQuery),
		}},
		{"restart the server", []chromedp.Action{
			chromedp.ActionFunc(func(context.Context) error {
				swap.h.Store(restarted)
				f.srv.Close() // ends the job's event stream; the browser reconnects to the new server
				return nil
			}),
			chromedp.Poll(`document.getElementById('job-status').textContent.includes('not known to this server')`, nil,
				chromedp.WithPollingTimeout(30*time.Second)),
			chromedp.Text(`#job-status`, &lost, chromedp.ByQuery),
			shot(t, dir, "job-lost-on-restart"),
		}},
		{"reload the page", []chromedp.Action{
			chromedp.Navigate(ts.URL + "/jobs/" + j.ID),
			chromedp.WaitVisible(`main`, chromedp.ByQuery),
			chromedp.Text(`main`, &reloaded, chromedp.ByQuery),
		}},
	}
	for _, s := range steps {
		if err := chromedp.Run(ctx, s.actions...); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	if !strings.HasPrefix(live, "queued") {
		t.Errorf("before the restart the page shows %q, want the job queued", live)
	}
	for name, text := range map[string]string{"the followed page": lost, "the reloaded page": reloaded} {
		for _, want := range []string{"is not known to this server", "last restarted", "start it again"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s lacks %q: %q", name, want, text)
			}
		}
		if strings.Contains(text, "reconnecting") {
			t.Errorf("%s still says it is reconnecting: %q", name, text)
		}
	}
}
