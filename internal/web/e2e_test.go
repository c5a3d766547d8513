package web

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// RequireBrowserEnv, when set (make test and CI set it), turns a missing
// Chromium into a failure instead of a skip.
const RequireBrowserEnv = "CIVICLINK_REQUIRE_BROWSER"

// chromium finds the browser for end-to-end tests, or skips (or fails,
// under CIVICLINK_REQUIRE_BROWSER) with what to do.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CIVICLINK_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	msg := "Chromium is not installed: run scripts/ensure-chromium.sh (or set CIVICLINK_CHROMIUM)"
	if os.Getenv(RequireBrowserEnv) != "" {
		t.Fatal(msg + "; " + RequireBrowserEnv + " is set, so the browser tests may not be skipped")
	}
	t.Skip(msg)
	return ""
}

// artefacts returns the folder for screenshots: $CIVICLINK_TEST_ARTIFACTS
// or testresults/web at the repository root (git-ignored).
func artefacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CIVICLINK_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "testresults", "web")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser starts a fresh headless Chromium for one test.
func browser(t *testing.T) context.Context {
	t.Helper()
	return browserWithin(t, 4*time.Minute) // a hung browser, not a speed limit: a loaded CI machine needs the room
}

// browserWithin starts a fresh headless Chromium that is stopped after d.
func browserWithin(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	profile := userDataDir(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, d)
	t.Cleanup(cancel3)
	return ctx
}

// userDataDir makes a fresh browser profile folder. Chromium's helper
// processes may still be writing into it for a moment after the browser is
// stopped — even making it again after it was removed — so it is removed
// with retries, and counted gone only when it is still gone a moment
// later, rather than by t.TempDir.
func userDataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "civiclink-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for i := 0; i < 30; i++ {
			err := os.RemoveAll(dir)
			time.Sleep(100 * time.Millisecond)
			if _, serr := os.Stat(dir); err == nil && errors.Is(serr, fs.ErrNotExist) {
				return
			}
		}
		t.Logf("could not remove the browser profile %s", dir)
	})
	return dir
}

// shot saves a full-page screenshot.
func shot(t *testing.T, dir, name string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var png []byte
		if err := chromedp.FullScreenshot(&png, 100).Do(ctx); err != nil {
			return err
		}
		path := filepath.Join(dir, name+".png")
		t.Logf("screenshot %s", path)
		return os.WriteFile(path, png, 0o644)
	})
}

// TestBrowser walks the app as a person would, in a real Chromium: sign
// in, see the district map, upload a new version with a progress bar, run
// a linkage and follow it to its quality page (reloading on the way),
// record a clerical decision, see a suppressed cell shown as [c], and sign
// out.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	ctx := browser(t)
	f := newFixture(t)
	if !f.srv.built {
		t.Fatal("the UI bundle is not embedded: run `make ui` (npm ci and vite build in web/) before the browser test")
	}
	f.load(t, "incidents.csv")
	f.addLinkable(t)
	dir := artefacts(t)
	upload, err := filepath.Abs(filepath.Join("testdata", "incidents_v2.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var (
		districts  int
		suppressed string
		jobStatus  string
		after      string
		url        string
		linkStatus string
		runURL     string
		bars       int
		weightRows int
		decision   string
	)
	steps := []struct {
		name    string
		actions []chromedp.Action
	}{
		{"sign in", []chromedp.Action{
			chromedp.Navigate(f.ts.URL + "/"),
			chromedp.WaitVisible(`#user`, chromedp.ByQuery),
			chromedp.SendKeys(`#user`, ownerID, chromedp.ByQuery),
			chromedp.SendKeys(`#password`, password, chromedp.ByQuery),
			shot(t, dir, "01-signin"),
			chromedp.Submit(`#password`, chromedp.ByQuery),
		}},
		{"open the map", []chromedp.Action{
			chromedp.WaitVisible(`#map[data-ready="true"]`, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll('#map path.district').length`, &districts),
			shot(t, dir, "02-overview-map"),
		}},
		{"upload a dataset", []chromedp.Action{
			chromedp.Navigate(f.ts.URL + "/datasets/incidents/upload"),
			chromedp.WaitVisible(`#file`, chromedp.ByQuery),
			chromedp.SetUploadFiles(`#file`, []string{upload}, chromedp.ByQuery),
			chromedp.Click(`#upload-form button[type=submit]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#job[data-state="done"]`, chromedp.ByQuery),
			chromedp.Text(`#job-status`, &jobStatus, chromedp.ByQuery),
			shot(t, dir, "03-upload-done"),
			// The job lives on the server: a reload shows it again.
			chromedp.Reload(),
			chromedp.WaitVisible(`#job[data-state="done"]`, chromedp.ByQuery),
			chromedp.Location(&url),
		}},
		{"run a linkage", []chromedp.Action{
			chromedp.Navigate(f.ts.URL + "/linkage"),
			chromedp.WaitVisible(`#linkage-form`, chromedp.ByQuery),
			chromedp.Click(`#ds-custody`, chromedp.ByQuery),
			chromedp.Click(`#ds-referrals`, chromedp.ByQuery),
			shot(t, dir, "04-linkage-form"),
			chromedp.Click(`#linkage-form button[type=submit]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#linkage-job[data-state="done"]`, chromedp.ByQuery),
			// Read by script, not by node id: the form post navigated, and a
			// late document update would invalidate the ids chromedp holds.
			chromedp.Evaluate(`document.getElementById('job-status').textContent`, &linkStatus),
			shot(t, dir, "05-linkage-done"),
			// The run's job lives on the server: a reload shows it again.
			chromedp.Reload(),
			chromedp.WaitVisible(`#linkage-job[data-state="done"]`, chromedp.ByQuery),
			chromedp.Click(`#job-run-link`, chromedp.ByQuery),
			chromedp.WaitVisible(`#weight-chart[data-ready="true"]`, chromedp.ByQuery),
			chromedp.Location(&runURL),
			chromedp.Evaluate(`document.querySelectorAll('#weight-chart path').length`, &bars),
			chromedp.Evaluate(`document.querySelectorAll('#weight-table tbody tr').length`, &weightRows),
			shot(t, dir, "06-linkage-quality"),
		}},
		{"review a borderline pair", []chromedp.Action{
			chromedp.ActionFunc(func(ctx context.Context) error { return chromedp.Navigate(runURL + "/review").Do(ctx) }),
			chromedp.WaitVisible(`#pair-1 form.decide`, chromedp.ByQuery),
			chromedp.SetValue(`#decision-1`, "non-match", chromedp.ByQuery),
			chromedp.Click(`#pair-1 form.decide button[type=submit]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#pair-1[data-decision="non-match"]`, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelector('#pair-1 .decision').textContent`, &decision),
			shot(t, dir, "07-linkage-review"),
		}},
		{"see a suppressed cell", []chromedp.Action{
			chromedp.Navigate(f.ts.URL + "/datasets/incidents"),
			chromedp.WaitVisible(`#versions-chart[data-ready="true"]`, chromedp.ByQuery),
			chromedp.Text(`tr[data-code="E07000074"] td.supp`, &suppressed, chromedp.ByQuery),
			shot(t, dir, "08-dataset"),
		}},
		{"sign out", []chromedp.Action{
			chromedp.Click(`form.signout button`, chromedp.ByQuery),
			chromedp.WaitVisible(`#user`, chromedp.ByQuery),
			chromedp.Navigate(f.ts.URL + "/datasets"),
			chromedp.WaitVisible(`#user`, chromedp.ByQuery),
			chromedp.Location(&after),
			shot(t, dir, "09-signed-out"),
		}},
	}
	for _, s := range steps {
		if err := chromedp.Run(ctx, s.actions...); err != nil {
			chromedp.Run(ctx, shot(t, dir, "failed-"+strings.ReplaceAll(s.name, " ", "-")))
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	if districts != 14 {
		t.Errorf("the map drew %d districts, want 14", districts)
	}
	if !strings.Contains(jobStatus, "version 2 with 226 rows") {
		t.Errorf("job status = %q, want version 2 with 226 rows", jobStatus)
	}
	if !strings.Contains(url, "/jobs/") {
		t.Errorf("after reload the page is %q, want the job page", url)
	}
	if !strings.Contains(linkStatus, "linked 120 records") {
		t.Errorf("linkage job status = %q, want 120 records linked", linkStatus)
	}
	if !strings.Contains(runURL, "/linkage/runs/") || bars == 0 || weightRows == 0 {
		t.Errorf("quality page %q drew %d chart paths and %d table rows, want some of each", runURL, bars, weightRows)
	}
	if !strings.Contains(decision, "non-match by "+ownerID) {
		t.Errorf("pair 1 shows %q after the decision, want non-match by %s", decision, ownerID)
	}
	if strings.TrimSpace(suppressed) != "[c]" {
		t.Errorf("Maldon's cell = %q, want [c]", suppressed)
	}
	if !strings.Contains(after, "/signin") {
		t.Errorf("after sign-out /datasets went to %q, want the sign-in page", after)
	}
}
