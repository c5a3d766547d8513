package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/civiclink/civiclink/internal/demo"
)

// axeSource is axe-core's browser build, which `make ui` installs with the
// web bundle's packages (web/package.json names it; node_modules is never
// committed). Without it the accessibility walk cannot run: a skip, or a
// failure where CIVICLINK_REQUIRE_BROWSER is set.
func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "web", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		msg := "axe-core is not installed: run `make ui` (npm ci in web/): " + err.Error()
		if os.Getenv(RequireBrowserEnv) != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return string(b)
}

// axeRun runs axe on the page for WCAG 2.0–2.2 A and AA, best practice,
// and the 7:1 text contrast docs/web.md promises (color-contrast-enhanced),
// and returns the serious or critical violations (every contrast one).
const axeRun = `(async () => {
  const r = await axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    rules: { 'color-contrast-enhanced': { enabled: true } },
    resultTypes: ['violations'],
  })
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical' || v.id === 'color-contrast-enhanced')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + (n.failureSummary ? ' — ' + n.failureSummary.split('\n').slice(1).join(' ') : '')) }))
})()`

// axeViolation is one rule a page breaks, with up to three of its nodes.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// settle waits until the page has loaded and its maps and charts have
// drawn (or 20 s have passed: a page whose map never draws is then
// checked as it stands).
func settle() chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			var done bool
			err := chromedp.Evaluate(`document.readyState === 'complete' &&
				[...document.querySelectorAll('#map, #trend-chart')].every((e) => e.dataset.ready === 'true' || e.classList.contains('map-failed'))`, &done).Do(ctx)
			if err == nil && done {
				return nil
			}
			time.Sleep(150 * time.Millisecond)
		}
		return nil
	})
}

// a11yCheck opens path, runs axe on it at 1280 px and at 390 px wide, and
// measures the page's width at 390 px. It returns what is wrong, and the
// same-origin links on the page.
func a11yCheck(ctx context.Context, base, path, axe string, wide bool) (problems []string, links []string, err error) {
	var loaded bool
	var vs []axeViolation
	run := func(width int64) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			if err := emulation.SetDeviceMetricsOverride(width, 900, 1, false).Do(ctx); err != nil {
				return err
			}
			time.Sleep(200 * time.Millisecond) // let the maps and charts follow the resize
			var got []axeViolation
			if err := chromedp.Evaluate(axeRun, &got, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }).Do(ctx); err != nil {
				return fmt.Errorf("axe: %w", err)
			}
			for _, v := range got {
				vs = append(vs, v)
				problems = append(problems, fmt.Sprintf("%d px: %s (%s): %s — %s", width, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "; ")))
			}
			if width < 500 {
				var w int
				if err := chromedp.Evaluate(`Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)`, &w).Do(ctx); err != nil {
					return err
				}
				if w > int(width) {
					var who string
					chromedp.Evaluate(`[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > `+fmt.Sprint(width)+` && !e.closest('.scroll, .leaflet-container, svg')).slice(0, 4).map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : '')).join(', ')`, &who).Do(ctx)
					problems = append(problems, fmt.Sprintf("%d px: the page is %d px wide (%s)", width, w, who))
				}
			}
			return nil
		})
	}
	actions := []chromedp.Action{
		emulation.ClearDeviceMetricsOverride(),
		chromedp.Navigate(base + path),
		settle(),
		chromedp.Evaluate(`typeof axe !== 'undefined'`, &loaded),
		chromedp.ActionFunc(func(ctx context.Context) error {
			if loaded {
				return nil
			}
			return chromedp.Evaluate(axe, nil).Do(ctx)
		}),
	}
	if wide {
		actions = append(actions, run(1280))
	}
	var text string
	actions = append(actions, run(390), emulation.ClearDeviceMetricsOverride(),
		chromedp.Evaluate(`document.body.innerText`, &text),
		chromedp.ActionFunc(func(context.Context) error {
			if m := cliWords.FindString(text); m != "" {
				problems = append(problems, fmt.Sprintf("the page names a CLI command: %q", m))
			}
			return nil
		}),
		chromedp.Evaluate(`[...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href'))`, &links))
	err = chromedp.Run(ctx, actions...)
	return problems, links, err
}

// cliWords finds a CLI command in a page's text.
var cliWords = regexp.MustCompile(`civiclink ((user|link|query|dataset|agreement|purpose|output|audit|partner|programme|community|voice) (add|list|run|adopt|review|cohort|aggregate|token|mfa|passwd|verify|key|head|uses|show|issue|sso|define|import|export|publish)|pseudonymise|ingest|serve|push|backup)\b[^.\n]*`)

// pageShape names the kind of page a path is, so that the walk opens one
// of each kind (one dataset, one agreement, one run's review, every theme).
func pageShape(path string) string {
	u, err := url.Parse(path)
	if err != nil {
		return path
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	if segs[0] == "themes" {
		return u.Path
	}
	for i := 1; i < len(segs); i++ {
		switch segs[i] {
		case "runs", "jobs", "new", "review", "upload":
		default:
			segs[i] = "*"
		}
	}
	return strings.Join(segs, "/")
}

// skipLink says which links the walk does not follow: downloads, the API,
// assets and other sites.
var skipLink = regexp.MustCompile(`^(https?:|mailto:|#|/api/|/assets/)|\.(csv|json|geojson|parquet)(\?|$)|/download|/export`)

// a11yWalk signs in as user and opens every kind of page reachable from
// the pages it can reach (at most max pages), checking each with axe.
// It returns the paths it opened and what is wrong on each.
func a11yWalk(t *testing.T, base, user, pass, axe string, start []string, wide, themes bool, max int) (opened []string, problems map[string][]string) {
	t.Helper()
	ctx := browser(t)
	problems = map[string][]string{}
	sign := []chromedp.Action{chromedp.Navigate(base + "/signin")}
	if user != "" {
		sign = append(sign, chromedp.WaitVisible(`#user`, chromedp.ByQuery),
			chromedp.SendKeys(`#user`, user, chromedp.ByQuery),
			chromedp.SendKeys(`#password`, pass, chromedp.ByQuery),
			through(chromedp.Submit(`#password`, chromedp.ByQuery)),
			chromedp.WaitVisible(`form.signout`, chromedp.ByQuery))
	}
	if err := chromedp.Run(ctx, sign...); err != nil {
		t.Fatalf("sign in as %q: %v", user, err)
	}
	seen := map[string]bool{}
	queue := append([]string{}, start...)
	for len(queue) > 0 && len(opened) < max {
		p := queue[0]
		queue = queue[1:]
		if seen[pageShape(p)] {
			continue
		}
		seen[pageShape(p)] = true
		began := time.Now()
		ps, links, err := a11yCheck(ctx, base, p, axe, wide)
		t.Logf("%s %s: %d problems in %v", user, p, len(ps), time.Since(began).Round(time.Millisecond))
		if err != nil {
			t.Fatalf("%s opening %s: %v", user, p, err)
		}
		opened = append(opened, p)
		if len(ps) > 0 {
			problems[p] = ps
		}
		for _, l := range links {
			if strings.HasPrefix(l, base) {
				l = strings.TrimPrefix(l, base)
			}
			if !strings.HasPrefix(l, "/") || skipLink.MatchString(l) || l == "/signin" || (!themes && strings.HasPrefix(l, "/themes/")) {
				continue
			}
			if u, err := url.Parse(l); err == nil && !seen[pageShape(u.Path)] {
				queue = append(queue, u.Path)
			}
		}
	}
	return opened, problems
}

// TestBrowserAccessibility opens every kind of page as every role, in a
// real Chromium, and runs axe-core on each at 1280 and 390 px wide: no
// page may have a serious or critical WCAG 2.2 A/AA violation, text below
// the 7:1 contrast docs/web.md promises, or be wider than a 390 px phone
// (wide tables scroll inside their own focusable region). The governance
// fixture has a linkage run, an output and the signed audit log; the demo
// county has the themes and the overview map.
func TestBrowserAccessibility(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	axe := axeSource(t)
	chromium(t)
	g := newGovernFixture(t)
	g.addLinkable(t)
	g.draft(t)
	owner := g.as(t, ownerID)
	startRun(t, owner)
	themes := newThemeFixture(t)
	type walk struct {
		name, base, user, pass string
		start                  []string
		wide, themes           bool
		max                    int
	}
	// The data owner and the demo analyst open every kind of page at both
	// widths; the other roles open what their navigation offers, at 390 px.
	// No page may name a CLI command either.
	walks := []walk{
		{"signed out", g.ts.URL, "", "", []string{"/signin", "/no-such-page"}, true, false, 2},
		{"data owner and analyst", g.ts.URL, ownerID, password, []string{"/", "/datasets", "/datasets/incidents/upload", "/linkage", "/agreements", "/outputs", "/audit", "/no-such-page"}, true, false, 20},
		{"analyst without agreements", g.ts.URL, analystID, password, []string{"/"}, false, false, 8},
		{"output checker", g.ts.URL, checkerID, password, []string{"/"}, false, false, 8},
		{"auditor", g.ts.URL, auditorID, password, []string{"/", "/audit"}, false, false, 8},
		{"partner admin", g.ts.URL, adminID, password, []string{"/", "/agreements"}, false, false, 8},
		// Theme pages are alike: a dense theme and a sparse one.
		{"demo analyst", themes.ts.URL, themeAnalyst, demo.Password, []string{"/", "/themes", "/themes/violence-and-vulnerability", "/themes/homelessness"}, true, false, 10},
	}
	var failed []string
	for _, w := range walks {
		opened, problems := a11yWalk(t, w.base, w.user, w.pass, axe, w.start, w.wide, w.themes, w.max)
		t.Logf("%s: %d pages: %s", w.name, len(opened), strings.Join(opened, " "))
		paths := make([]string, 0, len(problems))
		for p := range problems {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			for _, m := range problems[p] {
				failed = append(failed, fmt.Sprintf("%s %s: %s", w.name, p, m))
			}
		}
	}
	if len(failed) > 0 {
		b, _ := json.MarshalIndent(failed, "", "  ")
		t.Errorf("%d accessibility or layout problems:\n%s", len(failed), b)
	}
}
