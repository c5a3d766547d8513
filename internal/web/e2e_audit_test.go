package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserAuditPages pages through "who used my data" in a real
// Chromium with the keyboard: a data owner with 70 uses of police data
// sees the newest 50, moves to the older 20 by focusing "Older uses" and
// pressing Enter, and back with "Newer uses"; the filter stays in the
// address on every page.
func TestBrowserAuditPages(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	ctx := browser(t)
	g := newGovernFixture(t)
	police := logUses(t, g, 70, 5, 5)
	g.srv.usesGrouped = usesPage // pages of 50 entries, as the API's
	dir := artefacts(t)
	start := g.ts.URL + "/audit?dataset=police-data"
	var first, second, back []*cdp.Node
	var search1, search2 string
	var olderAfter int
	key := func(sel string) chromedp.Action {
		return chromedp.Tasks{chromedp.Focus(sel, chromedp.ByQuery), through(chromedp.KeyEvent(kb.Enter))}
	}
	err := chromedp.Run(ctx, append(append([]chromedp.Action{chromedp.Navigate(start)}, signInAs(ownerID)...),
		chromedp.Navigate(start),
		chromedp.WaitVisible(`#uses-older`, chromedp.ByQuery),
		chromedp.Nodes(`#uses li[data-index]`, &first, chromedp.ByQueryAll),
		shot(t, dir, "audit-01-newest-uses"),
		key(`#uses-older`),
		chromedp.WaitVisible(`#uses-newer`, chromedp.ByQuery),
		chromedp.Nodes(`#uses li[data-index]`, &second, chromedp.ByQueryAll),
		chromedp.Evaluate(`location.search`, &search1),
		chromedp.Evaluate(`document.querySelectorAll('#uses-older').length`, &olderAfter),
		shot(t, dir, "audit-02-older-uses"),
		key(`#uses-newer`),
		chromedp.WaitVisible(`#uses-older`, chromedp.ByQuery),
		chromedp.Nodes(`#uses li[data-index]`, &back, chromedp.ByQueryAll),
		chromedp.Evaluate(`location.search`, &search2),
	)...)
	if err != nil {
		chromedp.Run(ctx, shot(t, dir, "audit-failed"))
		t.Fatal(err)
	}
	index := func(rows []*cdp.Node, i int) string {
		if i >= len(rows) {
			return "none"
		}
		return rows[i].AttributeValue("data-index")
	}
	newest, oldest := fmt.Sprint(police[len(police)-1]), fmt.Sprint(police[0])
	if len(first) != 50 || index(first, 0) != newest {
		t.Errorf("first page: %d rows from entry %s, want 50 from %s", len(first), index(first, 0), newest)
	}
	if len(second) != 20 || index(second, 19) != oldest || olderAfter != 0 {
		t.Errorf("older page: %d rows down to entry %s (older link: %d), want 20 down to %s and no older link", len(second), index(second, 19), olderAfter, oldest)
	}
	if len(back) != 50 || index(back, 0) != newest {
		t.Errorf("back to newer: %d rows from entry %s, want the first page again", len(back), index(back, 0))
	}
	for _, s := range []string{search1, search2} {
		if !strings.Contains(s, "dataset=police-data") {
			t.Errorf("a page's address %q lost the dataset filter", s)
		}
	}
}
