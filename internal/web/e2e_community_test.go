package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserCommunity opens the public community map in a real Chromium
// without signing in: the map draws every listed service as a marker or
// in a numbered cluster, the list has the same results, the theme filter
// narrows both, Enter on a focused cluster zooms in (or lists a stack at
// one point), and a listed service opens its own page.
func TestBrowserCommunity(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	ctx := browser(t)
	f, _ := communityFixture(t, 300)
	if !f.srv.built {
		t.Fatal("the UI bundle is not embedded: run `make ui` before the browser test")
	}
	dir := artefacts(t)
	var (
		points, foodPoints, markers, foodMarkers, after, popups int
		listed, foodListed, foodThemed                          int
		clusters                                                string
		heading, title                                          string
	)
	steps := []struct {
		name    string
		actions []chromedp.Action
	}{
		{"open the map without signing in", []chromedp.Action{
			chromedp.Navigate(f.ts.URL + "/community?per_page=200"),
			chromedp.WaitVisible(`#community-map[data-ready="true"]`, chromedp.ByQuery),
			chromedp.Text(`h1`, &heading, chromedp.ByQuery),
			chromedp.Evaluate(`+document.getElementById('community-map').dataset.points`, &points),
			chromedp.Evaluate(`document.querySelectorAll('#community-map .cl-point, #community-map .cl-cluster').length`, &markers),
			chromedp.AttributeValue(`#community-map`, "data-clusters", &clusters, nil, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll('.community-item').length`, &listed),
			shot(t, dir, "community-01-map"),
		}},
		{"filter by theme", []chromedp.Action{
			chromedp.SetValue(`#c-theme`, "food", chromedp.ByQuery),
			chromedp.Submit(`#c-theme`, chromedp.ByQuery),
			chromedp.WaitVisible(`#community-map[data-ready="true"]`, chromedp.ByQuery),
			chromedp.Evaluate(`+document.getElementById('community-map').dataset.points`, &foodPoints),
			chromedp.Evaluate(`document.querySelectorAll('.community-item').length`, &foodListed),
			chromedp.Evaluate(`document.querySelectorAll('#community-map .cl-point, #community-map .cl-cluster').length`, &foodMarkers),
			chromedp.Evaluate(`[...document.querySelectorAll('.community-item')].filter(li => li.textContent.includes('Food')).length`, &foodThemed),
			shot(t, dir, "community-02-food"),
		}},
		{"enter on a cluster", []chromedp.Action{
			chromedp.Focus(`#community-map .cl-cluster`, chromedp.ByQuery),
			chromedp.KeyEvent("\r"),
			chromedp.Sleep(800 * time.Millisecond),
			chromedp.Evaluate(`document.querySelectorAll('#community-map .cl-point, #community-map .cl-cluster').length`, &after),
			chromedp.Evaluate(`document.querySelectorAll('.cl-popup').length`, &popups),
			shot(t, dir, "community-03-zoomed"),
		}},
		{"open a service's page", []chromedp.Action{
			chromedp.Click(`.community-item h3 a`, chromedp.ByQuery),
			chromedp.WaitVisible(`#open-now`, chromedp.ByQuery),
			chromedp.Title(&title),
		}},
	}
	for _, s := range steps {
		if err := chromedp.Run(ctx, s.actions...); err != nil {
			chromedp.Run(ctx, shot(t, dir, "community-failed-"+strings.ReplaceAll(s.name, " ", "-")))
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	if heading != "Community support map" {
		t.Errorf("heading %q", heading)
	}
	if points != 306 || listed != 200 {
		t.Errorf("the map has %d points and the list %d services, want 306 points (305 services, one at two places) and a first page of 200", points, listed)
	}
	if markers == 0 || markers >= points || clusters == "0" {
		t.Errorf("%d markers (%s clusters) for %d points: want nearby services clustered", markers, clusters, points)
	}
	if foodPoints == 0 || foodPoints >= points || foodListed != foodThemed {
		t.Errorf("food: %d points, %d listed of which %d show the Food theme", foodPoints, foodListed, foodThemed)
	}
	if after <= foodMarkers && popups == 0 {
		t.Errorf("Enter on a cluster: %d markers after, %d before and no list of a stack", after, foodMarkers)
	}
	if !strings.Contains(title, "civiclink") || title == "Community support map · civiclink" {
		t.Errorf("the service page's title is %q", title)
	}
}

// TestBrowserCommunityModeration suggests a service through the public
// form in Chromium without signing in (a bad postcode is refused with the
// field named and the typed answers kept), then a community editor signs
// in, publishes it from the moderation queue, and it is on the public map.
func TestBrowserCommunityModeration(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	ctx := browser(t)
	f, _ := communityFixture(t, 0)
	dir := artefacts(t)
	var problems, kept, done, queued, published, found string
	steps := []struct {
		name    string
		actions []chromedp.Action
	}{
		{"suggest with a postcode outside the county", []chromedp.Action{
			chromedp.Navigate(f.ts.URL + "/community/suggest"),
			chromedp.WaitVisible(`#s-name`, chromedp.ByQuery),
			chromedp.SendKeys(`#s-name`, "Canal-side repair café", chromedp.ByQuery),
			chromedp.SendKeys(`#s-org`, "Towpath Menders", chromedp.ByQuery),
			chromedp.Click(`#s-theme-loneliness`, chromedp.ByQuery),
			chromedp.SendKeys(`#s-town`, "Chelmsford", chromedp.ByQuery),
			chromedp.SendKeys(`#s-postcode`, "NW1 1AA", chromedp.ByQuery),
			chromedp.Click(`#s-day-SA`, chromedp.ByQuery),
			chromedp.SendKeys(`#s-opens`, "10:00", chromedp.ByQuery),
			chromedp.SendKeys(`#s-closes`, "13:00", chromedp.ByQuery),
			chromedp.Submit(`#s-name`, chromedp.ByQuery),
			chromedp.WaitVisible(`#suggest-problems`, chromedp.ByQuery),
			chromedp.Text(`#suggest-problems`, &problems, chromedp.ByQuery),
			chromedp.Value(`#s-name`, &kept, chromedp.ByQuery),
			shot(t, dir, "community-04-suggest-refused"),
		}},
		{"correct the postcode and send", []chromedp.Action{
			chromedp.SetValue(`#s-postcode`, "CM2 0AA", chromedp.ByQuery),
			chromedp.Submit(`#s-name`, chromedp.ByQuery),
			chromedp.WaitVisible(`#suggest-done`, chromedp.ByQuery),
			chromedp.Text(`#suggest-done`, &done, chromedp.ByQuery),
		}},
		{"an editor publishes it", []chromedp.Action{
			chromedp.Navigate(f.ts.URL + "/community/queue"),
			chromedp.WaitVisible(`#user`, chromedp.ByQuery),
			chromedp.SendKeys(`#user`, editorID, chromedp.ByQuery),
			chromedp.SendKeys(`#password`, password, chromedp.ByQuery),
			chromedp.Submit(`#password`, chromedp.ByQuery),
			chromedp.WaitVisible(`.queue-item`, chromedp.ByQuery),
			chromedp.Text(`.queue-item h2`, &queued, chromedp.ByQuery),
			shot(t, dir, "community-05-queue"),
			chromedp.Click(`.queue-item button[id^="publish-"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#queue-done`, chromedp.ByQuery),
			chromedp.Text(`#queue-done`, &published, chromedp.ByQuery),
		}},
		{"it is on the public map", []chromedp.Action{
			chromedp.Navigate(f.ts.URL + "/community?text=repair"),
			chromedp.WaitVisible(`.community-item`, chromedp.ByQuery),
			chromedp.Text(`.community-item h3`, &found, chromedp.ByQuery),
		}},
	}
	for _, s := range steps {
		if err := chromedp.Run(ctx, s.actions...); err != nil {
			chromedp.Run(ctx, shot(t, dir, "community-failed-"+strings.ReplaceAll(s.name, " ", "-")))
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	if !strings.Contains(problems, "Where: postcode NW1 1AA is outside the county") || kept != "Canal-side repair café" {
		t.Errorf("refusal %q, name kept as %q", problems, kept)
	}
	if !strings.Contains(done, "waits for a community editor") {
		t.Errorf("after sending: %q", done)
	}
	if !strings.Contains(queued, "Canal-side repair café") || !strings.Contains(published, "published") {
		t.Errorf("queue showed %q, then %q", queued, published)
	}
	if found != "Canal-side repair café" {
		t.Errorf("the map lists %q", found)
	}
}
