package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
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
				[...document.querySelectorAll('#map, #trend-chart, #community-map, #volunteer-map, #gaps-map')].every((e) => e.dataset.ready === 'true' || e.classList.contains('map-failed'))`, &done).Do(ctx)
			if err == nil && done {
				return nil
			}
			time.Sleep(150 * time.Millisecond)
		}
		return nil
	})
}

// a11yCheck opens path, runs axe on it at 1366 px and at 390 px wide, and
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
		actions = append(actions, run(1366))
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
