package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/civiclink/civiclink/internal/demo"
)

// TestBrowserProgrammeEdit edits the programme in a real Chromium as a
// programme manager: the project form has a label for every input; a
// post with an empty title and a new deliverable without its due date is
// refused with each problem beside its input (marked invalid) and listed
// at the top, and everything typed is still there; fixed, it saves and
// the project page shows the new deliverable. A new claim is made from
// the claim form and is checked against the data on the claims page.
func TestBrowserProgrammeEdit(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	ctx := browser(t)
	p := newProgrammeServer(t)
	url := p.ts.URL
	dir := artefacts(t)
	var (
		labelled, invalid                      bool
		blank                                  int
		problems, titleError, dueError, kept   string
		heading, row, claimStatus, claimHeader string
	)
	set := func(id, v string) chromedp.Action {
		return chromedp.Evaluate(fmt.Sprintf(`document.getElementById(%q).value = %q`, id, v), nil)
	}
	newRow := func(field string) string { return fmt.Sprintf("f-deliverables-%d-%s", blank, field) }
	steps := []struct {
		name    string
		actions func() []chromedp.Action
	}{
		{"sign in", func() []chromedp.Action {
			return []chromedp.Action{
				chromedp.Navigate(url + "/programme/homelessness"),
				chromedp.WaitVisible(`#user`, chromedp.ByQuery),
				chromedp.SendKeys(`#user`, "county.programme", chromedp.ByQuery),
				chromedp.SendKeys(`#password`, demo.Password, chromedp.ByQuery),
				through(chromedp.Submit(`#password`, chromedp.ByQuery)),
				chromedp.WaitVisible(`#edit-project`, chromedp.ByQuery),
			}
		}},
		{"open the form", func() []chromedp.Action {
			return []chromedp.Action{
				clickThrough(`#edit-project`),
				chromedp.WaitVisible(`#programme-edit-form`, chromedp.ByQuery),
				chromedp.Evaluate(`[...document.querySelectorAll('#programme-edit-form input:not([type=hidden]):not([type=checkbox]), #programme-edit-form select, #programme-edit-form textarea')].every(e => document.querySelector('label[for="' + e.id + '"]')) && [...document.querySelectorAll('#programme-edit-form input[type=checkbox]')].every(e => e.closest('label'))`, &labelled),
				chromedp.Evaluate(`Number(document.querySelector('input[name="deliverables.count"]').value) - 1`, &blank),
				shot(t, dir, "programme-edit-01-form"),
			}
		}},
		{"refused field by field", func() []chromedp.Action {
			return []chromedp.Action{
				set("f-title", ""),
				chromedp.SendKeys("#"+newRow("id"), "share-roadmap", chromedp.ByQuery),
				chromedp.SendKeys("#"+newRow("title"), "Every council has the roadmap", chromedp.ByQuery),
				through(chromedp.Submit(`#f-summary`, chromedp.ByQuery)),
				chromedp.WaitVisible(`#form-problems`, chromedp.ByQuery),
				chromedp.Text(`#form-problems`, &problems, chromedp.ByQuery),
				chromedp.Text(`#f-title-error`, &titleError, chromedp.ByQuery),
				chromedp.Text("#"+newRow("due")+"-error", &dueError, chromedp.ByQuery),
				chromedp.Evaluate(`document.getElementById('f-title').getAttribute('aria-invalid') === 'true'`, &invalid),
				chromedp.Value("#"+newRow("title"), &kept, chromedp.ByQuery),
				shot(t, dir, "programme-edit-02-refused"),
			}
		}},
		{"fixed and saved", func() []chromedp.Action {
			return []chromedp.Action{
				chromedp.SendKeys(`#f-title`, "Countywide homelessness reduction", chromedp.ByQuery),
				set(newRow("due"), "2027-06-30"),
				through(chromedp.Submit(`#f-summary`, chromedp.ByQuery)),
				chromedp.WaitVisible(`#deliverable-table tr[data-id="share-roadmap"]`, chromedp.ByQuery),
				chromedp.Text(`h1`, &heading, chromedp.ByQuery),
				chromedp.Text(`#deliverable-table tr[data-id="share-roadmap"]`, &row, chromedp.ByQuery),
				shot(t, dir, "programme-edit-03-saved"),
			}
		}},
		{"new claim", func() []chromedp.Action {
			return []chromedp.Action{
				chromedp.Navigate(url + "/claims/new"),
				chromedp.WaitVisible(`#programme-edit-form`, chromedp.ByQuery),
				chromedp.SendKeys(`#f-id`, "specials-sixty", chromedp.ByQuery),
				chromedp.SendKeys(`#f-statement`, "Sixty special constables now serve.", chromedp.ByQuery),
				chromedp.SendKeys(`#f-figures-0-label`, "special constables", chromedp.ByQuery),
				chromedp.SetValue(`#f-figures-0-dataset`, "supported_policing", chromedp.ByQuery),
				chromedp.SendKeys(`#f-figures-0-measure`, "count", chromedp.ByQuery),
				chromedp.SendKeys(`#f-figures-0-purpose`, "violence-and-vulnerability", chromedp.ByQuery),
				chromedp.SendKeys(`#f-figures-0-stated`, "60", chromedp.ByQuery),
				chromedp.SendKeys(`#f-figures-0-rounding`, "1", chromedp.ByQuery),
				shot(t, dir, "programme-edit-04-claim"),
				through(chromedp.Submit(`#f-id`, chromedp.ByQuery)),
				chromedp.WaitVisible(`section.claim[data-id="specials-sixty"]`, chromedp.ByQuery),
				chromedp.AttributeValue(`section.claim[data-id="specials-sixty"]`, "data-status", &claimStatus, nil, chromedp.ByQuery),
				chromedp.Text(`section.claim[data-id="specials-sixty"] h2`, &claimHeader, chromedp.ByQuery),
				shot(t, dir, "programme-edit-05-claims"),
			}
		}},
	}
	for _, s := range steps {
		if err := chromedp.Run(ctx, s.actions()...); err != nil {
			chromedp.Run(ctx, shot(t, dir, "programme-edit-failed-"+strings.ReplaceAll(s.name, " ", "-")))
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	if !labelled {
		t.Error("an input of the project form has no label")
	}
	if !strings.Contains(problems, "Nothing was saved") || !strings.Contains(titleError, "title") || !strings.Contains(dueError, "YYYY-MM-DD") || !invalid {
		t.Errorf("refusal: summary %q, title error %q, due error %q, title marked invalid %v", problems, titleError, dueError, invalid)
	}
	if kept != "Every council has the roadmap" {
		t.Errorf("the typed deliverable title came back as %q", kept)
	}
	if heading != "Countywide homelessness reduction" || !strings.Contains(row, "2027-06-30") {
		t.Errorf("after saving: heading %q, new deliverable row %q", heading, row)
	}
	if !strings.Contains(claimHeader, "Sixty special constables") || claimStatus == "" {
		t.Errorf("the new claim shows as %q with status %q", claimHeader, claimStatus)
	}
	t.Logf("new claim checked against the data: %s", claimStatus)
}
