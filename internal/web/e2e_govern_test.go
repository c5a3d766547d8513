package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// signInAs signs a user in through the form in the browser.
func signInAs(user string) []chromedp.Action { return signInWith(user, password) }

// signInWith signs in on the sign-in form shown as user with pass.
func signInWith(user, pass string) []chromedp.Action {
	return []chromedp.Action{
		chromedp.WaitVisible(`#user`, chromedp.ByQuery),
		chromedp.SendKeys(`#user`, user, chromedp.ByQuery),
		chromedp.SendKeys(`#password`, pass, chromedp.ByQuery),
		through(chromedp.Submit(`#password`, chromedp.ByQuery)),
		chromedp.WaitVisible(`form.signout`, chromedp.ByQuery),
	}
}

// signOut signs out through the header's button.
func signOut() chromedp.Action {
	return chromedp.Tasks{
		clickThrough(`form.signout button`),
		chromedp.WaitVisible(`#user`, chromedp.ByQuery),
	}
}

// through runs act, which submits a form or follows a link, and waits until
// the next page has loaded. Waiting for an element alone is not enough: the
// old page may still be showing one, and reading it while the document is
// replaced fails with "could not find node".
func through(act chromedp.Action) chromedp.Action {
	return chromedp.Tasks{
		chromedp.Evaluate(`window.__civiclinkOld = true`, nil),
		act,
		chromedp.ActionFunc(func(ctx context.Context) error {
			// Evaluate fails while the old document's context goes away;
			// keep asking until the new page answers.
			for {
				var loaded bool
				err := chromedp.Evaluate(`!window.__civiclinkOld && document.readyState === 'complete'`, &loaded).Do(ctx)
				if err == nil && loaded {
					return nil
				}
				select {
				case <-ctx.Done():
					return fmt.Errorf("waiting for the next page: %w (last: %v)", ctx.Err(), err)
				case <-time.After(50 * time.Millisecond):
				}
			}
		}),
	}
}

// clickThrough clicks sel and waits for the page it leads to.
func clickThrough(sel string) chromedp.Action {
	return through(chromedp.Click(sel, chromedp.ByQuery))
}

// TestBrowserGovernance walks governance as people would, in a real
// Chromium: a partner admin drafts an agreement in the form, a data owner
// approves it with a note and the page shows who approved and the note; an output checker checks and
// releases an output and the page offers its downloads; the data owner
// sees who used the partner's data.
func TestBrowserGovernance(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	ctx := browser(t)
	g := newGovernFixture(t)
	o := g.draft(t)
	dir := artefacts(t)
	base := g.ts.URL
	outputPage := fmt.Sprintf("%s/outputs/%d", base, o.ID)
	const approvalNote = "DPIA checked: two columns only"
	var approver, agreementStatus, outputStatus, releasedBy, uses, shownNote, historyNote string
	var exports int
	steps := []struct {
		name    string
		actions []chromedp.Action
	}{
		{"admin drafts an agreement", append(append([]chromedp.Action{chromedp.Navigate(base + "/agreements/new")}, signInAs(adminID)...),
			chromedp.Navigate(base+"/agreements/new"),
			chromedp.WaitVisible(`#agreement-form`, chromedp.ByQuery),
			chromedp.SendKeys(`#a-id`, "dsa-e2e", chromedp.ByQuery),
			chromedp.SendKeys(`#a-title`, "Incidents shared with the county", chromedp.ByQuery),
			chromedp.SetValue(`#a-purpose`, "domestic-abuse", chromedp.ByQuery),
			chromedp.Click(`input[name="columns.incidents"][value="incident_id"]`, chromedp.ByQuery),
			chromedp.Click(`input[name="columns.incidents"][value="district"]`, chromedp.ByQuery),
			chromedp.SetValue(`#basis-police`, "uk-gdpr-6-1-e", chromedp.ByQuery),
			chromedp.SetValue(`#basis-county`, "uk-gdpr-6-1-e", chromedp.ByQuery),
			shot(t, dir, "govern-01-agreement-form"),
			through(chromedp.Submit(`#a-id`, chromedp.ByQuery)),
			chromedp.WaitVisible(`#agreement-status`, chromedp.ByQuery),
			shot(t, dir, "govern-02-agreement-draft"),
			signOut(),
		)},
		{"data owner approves", append(append([]chromedp.Action{chromedp.Navigate(base + "/agreements/dsa-e2e")}, signInAs(ownerID)...),
			chromedp.Navigate(base+"/agreements/dsa-e2e"),
			chromedp.WaitVisible(`#action-approve`, chromedp.ByQuery),
			chromedp.SendKeys(`#note-approve`, approvalNote, chromedp.ByQuery),
			clickThrough(`#action-approve button`),
			chromedp.WaitVisible(`#approvals`, chromedp.ByQuery),
			chromedp.Text(`#approvals td.approver`, &approver, chromedp.ByQuery),
			chromedp.Text(`#approvals td.approval-note`, &shownNote, chromedp.ByQuery),
			chromedp.Text(`#history-table tbody tr:last-child td:last-child`, &historyNote, chromedp.ByQuery),
			chromedp.Text(`#agreement-status`, &agreementStatus, chromedp.ByQuery),
			shot(t, dir, "govern-03-agreement-approved"),
			chromedp.Navigate(base+"/audit"),
			chromedp.WaitVisible(`#uses`, chromedp.ByQuery),
			chromedp.Text(`#uses caption`, &uses, chromedp.ByQuery),
			shot(t, dir, "govern-04-who-used-my-data"),
			signOut(),
		)},
		{"checker checks and releases", append(append([]chromedp.Action{chromedp.Navigate(outputPage)}, signInAs(checkerID)...),
			chromedp.Navigate(outputPage),
			chromedp.WaitVisible(`#check-form`, chromedp.ByQuery),
			shot(t, dir, "govern-05-output-findings"),
			chromedp.Click(`#check-form input[value="approve"]`, chromedp.ByQuery),
			chromedp.SendKeys(`#check-note`, "no residual risk", chromedp.ByQuery),
			clickThrough(`#check-form button`),
			chromedp.WaitVisible(`#release-form`, chromedp.ByQuery),
			clickThrough(`#release-form button`),
			chromedp.WaitVisible(`#exports`, chromedp.ByQuery),
			chromedp.Text(`#output-status`, &outputStatus, chromedp.ByQuery),
			chromedp.Text(`#released-by`, &releasedBy, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll('#exports a').length`, &exports),
			shot(t, dir, "govern-06-output-released"),
		)},
	}
	for _, s := range steps {
		if err := chromedp.Run(ctx, s.actions...); err != nil {
			chromedp.Run(ctx, shot(t, dir, "govern-failed-"+strings.ReplaceAll(s.name, " ", "-")))
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	if strings.TrimSpace(approver) != ownerID || strings.TrimSpace(agreementStatus) != "approved" {
		t.Errorf("after approval the page shows approver %q and status %q, want %q and approved", approver, agreementStatus, ownerID)
	}
	if strings.TrimSpace(shownNote) != approvalNote || strings.TrimSpace(historyNote) != "approved for police: "+approvalNote {
		t.Errorf("after approval the page shows the note %q in the approvals and %q in the history, want %q", shownNote, historyNote, approvalNote)
	}
	if !strings.Contains(uses, "uses") {
		t.Errorf("the audit page's caption is %q, want a count of uses", uses)
	}
	if strings.TrimSpace(outputStatus) != "released" || strings.TrimSpace(releasedBy) != checkerID || exports != 3 {
		t.Errorf("output: status %q, released by %q, %d downloads; want released by %s with 3", outputStatus, releasedBy, exports, checkerID)
	}
}
