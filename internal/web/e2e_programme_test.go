package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/civiclink/civiclink/internal/demo"
)

// TestBrowserProgramme walks the programme in a real Chromium: the
// public page without sign-in; a sponsor's partner admin signs in, reads
// the projects, posts an update that marks a deliverable done from the
// labelled form, has a blank update refused (what was chosen kept), is
// told why not on a project their partner does not sponsor, reads the
// claims (which it cannot check, and why), answers the self-assessment
// and opens the Assembly report with its charts; an analyst drafts the
// report for output checking, a checker approves and releases it, and the
// public page then shows its figures.
func TestBrowserProgramme(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	p := newProgrammeServer(t)
	ctx := browser(t) // its time runs from here: the demo county is built first
	url := p.ts.URL
	dir := artefacts(t)
	var (
		publicSections, projects, claims, charts  int
		labelled                                  bool
		deliverable, updates, roadDeaths, heading string
		refusal, rounds                           string
		blankError, keptDeliverable, why          string
		outputURL, outputStatus, releasedBy       string
		releasedRows                              int
		formLabelled                              bool
		bars                                      int
	)
	steps := []walkStep{
		{"public page", []chromedp.Action{
			chromedp.Navigate(url + "/public/programme"),
			chromedp.WaitVisible(`h1`, chromedp.ByQuery),
			chromedp.Text(`h1`, &heading, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll('section.project').length`, &publicSections),
			shot(t, dir, "programme-01-public"),
		}},
		{"sign in", []chromedp.Action{
			chromedp.Navigate(url + "/programme"),
			chromedp.WaitVisible(`#user`, chromedp.ByQuery),
			chromedp.SendKeys(`#user`, "districts.admin", chromedp.ByQuery),
			chromedp.SendKeys(`#password`, demo.Password, chromedp.ByQuery),
			chromedp.Submit(`#password`, chromedp.ByQuery),
			chromedp.WaitVisible(`#projects`, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll('#projects tbody tr').length`, &projects),
			shot(t, dir, "programme-02-list"),
		}},
		{"post an update", []chromedp.Action{
			chromedp.Navigate(url + "/programme/homelessness"),
			chromedp.WaitVisible(`#update-form`, chromedp.ByQuery),
			chromedp.Evaluate(`[...document.querySelectorAll('#update-form select, #update-form textarea')].every(e => document.querySelector('label[for="' + e.id + '"]'))`, &labelled),
			chromedp.SendKeys(`#u-text`, "Insight on who is most at risk shared with every council", chromedp.ByQuery),
			chromedp.SetValue(`#u-deliverable`, "risk-insight", chromedp.ByQuery),
			chromedp.SetValue(`#u-to`, "done", chromedp.ByQuery),
			chromedp.Submit(`#u-text`, chromedp.ByQuery),
			chromedp.WaitVisible(`ol.updates`, chromedp.ByQuery),
			chromedp.Text(`ol.updates`, &updates, chromedp.ByQuery),
			chromedp.Text(`#deliverable-table tr[data-id="risk-insight"]`, &deliverable, chromedp.ByQuery),
			shot(t, dir, "programme-03-update"),
		}},
		{"a blank update is refused", []chromedp.Action{
			chromedp.Navigate(url + "/programme/homelessness"),
			chromedp.WaitVisible(`#update-form`, chromedp.ByQuery),
			chromedp.SendKeys(`#u-text`, "   ", chromedp.ByQuery),
			chromedp.SetValue(`#u-deliverable`, "roadmap", chromedp.ByQuery),
			chromedp.SetValue(`#u-to`, "at-risk", chromedp.ByQuery),
			through(chromedp.Submit(`#u-text`, chromedp.ByQuery)),
			chromedp.WaitVisible(`#update-error`, chromedp.ByQuery),
			chromedp.Text(`#update-error`, &blankError, chromedp.ByQuery),
			chromedp.Value(`#u-deliverable`, &keptDeliverable, chromedp.ByQuery),
			shot(t, dir, "programme-03b-blank-update"),
		}},
		{"not a sponsor", []chromedp.Action{
			chromedp.Navigate(url + "/programme/safer-communities"),
			chromedp.WaitVisible(`#update-refusal`, chromedp.ByQuery),
			chromedp.Text(`#update-refusal`, &why, chromedp.ByQuery),
		}},
		{"claims", []chromedp.Action{
			chromedp.Navigate(url + "/claims"),
			chromedp.WaitVisible(`section.claim`, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll('section.claim').length`, &claims),
			chromedp.AttributeValue(`section.claim[data-id="road-deaths"]`, "data-status", &roadDeaths, nil, chromedp.ByQuery),
			chromedp.Text(`section.claim[data-id="road-deaths"] .notice`, &refusal, chromedp.ByQuery),
			shot(t, dir, "programme-04-claims"),
		}},
		{"self-assessment", []chromedp.Action{
			chromedp.Navigate(url + "/programme/assessment"),
			chromedp.WaitVisible(`#assessment-form`, chromedp.ByQuery),
			chromedp.Evaluate(`[...document.querySelectorAll('#assessment-form select, #assessment-form input:not([type=hidden])')].every(e => document.querySelector('label[for="' + e.id + '"]'))`, &formLabelled),
			chromedp.SetValue(`#a-round`, "2027-06", chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll('#assessment-form select').forEach(s => s.value = '4')`, nil),
			chromedp.Submit(`#a-round`, chromedp.ByQuery),
			chromedp.WaitVisible(`#my-rounds`, chromedp.ByQuery),
			chromedp.Text(`#my-rounds`, &rounds, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll('section[aria-labelledby="results"] svg rect').length`, &bars),
			shot(t, dir, "programme-06-assessment"),
		}},
		{"assembly report", []chromedp.Action{
			chromedp.Navigate(url + "/programme/assembly?since=2026-01-01"),
			chromedp.WaitVisible(`#claims`, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll('svg[role="img"]').length`, &charts),
			shot(t, dir, "programme-05-assembly"),
		}},
	}
	walkSteps(t, ctx, dir, steps)
	// The report's way to the public, in a second browser (each has its
	// own time limit).
	walkSteps(t, browser(t), dir, []walkStep{
		{"the analyst drafts the report", append(append([]chromedp.Action{chromedp.Navigate(url + "/programme")}, signInWith("county.analyst", demo.Password)...),
			chromedp.WaitVisible(`#draft-report-form`, chromedp.ByQuery),
			chromedp.SetValue(`#report-since`, "2026-01-01", chromedp.ByQuery),
			through(chromedp.Submit(`#report-since`, chromedp.ByQuery)),
			chromedp.WaitVisible(`#output-status`, chromedp.ByQuery),
			chromedp.Location(&outputURL),
		)},
		{"a checker checks and releases it", []chromedp.Action{signOut(), chromedp.ActionFunc(func(ctx context.Context) error {
			return chromedp.Run(ctx, append(append([]chromedp.Action{chromedp.Navigate(outputURL)}, signInWith("county.checker", demo.Password)...),
				chromedp.WaitVisible(`#check-form`, chromedp.ByQuery),
				chromedp.Click(`#check-form input[value="approve"]`, chromedp.ByQuery),
				chromedp.SendKeys(`#check-note`, "every figure states its period; no small cells", chromedp.ByQuery),
				clickThrough(`#check-form button`),
				chromedp.WaitVisible(`#release-form`, chromedp.ByQuery),
				clickThrough(`#release-form button`),
				chromedp.WaitVisible(`#released-by`, chromedp.ByQuery),
				chromedp.Text(`#released-by`, &releasedBy, chromedp.ByQuery),
				chromedp.Text(`#output-status`, &outputStatus, chromedp.ByQuery))...)
		})}},
		{"the public sees the released figures", []chromedp.Action{
			signOut(),
			chromedp.Navigate(url + "/public/programme"),
			chromedp.WaitVisible(`#released-measures`, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll('#released-measures tbody tr').length`, &releasedRows),
			shot(t, dir, "programme-07-public-released"),
		}},
	})
	if publicSections != 8 || !strings.Contains(heading, "programme") {
		t.Errorf("the public page %q shows %d projects, want 8", heading, publicSections)
	}
	if projects != 8 {
		t.Errorf("the programme lists %d projects, want 8", projects)
	}
	if !labelled {
		t.Error("a field of the update form has no label")
	}
	if !strings.Contains(updates, "shared with every council") || !strings.Contains(updates, "on-track → done") || !strings.Contains(deliverable, "done") {
		t.Errorf("after posting: updates %q, deliverable row %q", updates, deliverable)
	}
	if !strings.Contains(blankError, "write what has happened") || keptDeliverable != "roadmap" {
		t.Errorf("a blank update: error %q, deliverable kept %q; want the text refused and the choice kept", blankError, keptDeliverable)
	}
	if !strings.Contains(why, "districts does not sponsor project safer-communities (its sponsors are police, fire, county)") {
		t.Errorf("on a project districts does not sponsor the page says %q, want the reason", why)
	}
	// A partner admin reads no partner data: each claim says it cannot be
	// checked, and why, rather than showing a figure.
	if claims != 6 || roadDeaths != "cannot-check" || !strings.Contains(refusal, "Cannot check") {
		t.Errorf("%d claims, road deaths %q (%q); want 6, cannot-check with the reason", claims, roadDeaths, refusal)
	}
	if !formLabelled || !strings.Contains(rounds, "2027-06") || !strings.Contains(rounds, "since") || bars != 6 {
		t.Errorf("self-assessment: labelled %v, rounds %q, %d bars; want every field labelled, the new round with its change, 6 bars", formLabelled, rounds, bars)
	}
	if charts == 0 {
		t.Error("the Assembly report drew no chart")
	}
	if !strings.Contains(outputURL, "/outputs/") || strings.TrimSpace(outputStatus) != "released" || strings.TrimSpace(releasedBy) != "county.checker" || releasedRows == 0 {
		t.Errorf("report lifecycle: drafted at %q, status %q released by %q, %d measures on the public page; want released by county.checker and its figures public",
			outputURL, outputStatus, releasedBy, releasedRows)
	}
}

// walkStep is a named part of a browser walk.
type walkStep struct {
	name    string
	actions []chromedp.Action
}

// walkSteps takes the steps in order in the browser ctx, stopping the
// test at the first that fails, with a screenshot of where it stood.
func walkSteps(t *testing.T, ctx context.Context, dir string, steps []walkStep) {
	t.Helper()
	for _, s := range steps {
		if err := chromedp.Run(ctx, s.actions...); err != nil {
			chromedp.Run(ctx, shot(t, dir, "programme-failed-"+strings.ReplaceAll(s.name, " ", "-")))
			t.Fatalf("%s: %v", s.name, err)
		}
	}
}
