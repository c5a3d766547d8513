package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestVoiceBrowser captures a response on a phone-sized screen in a real
// Chromium, with the connection dropped while it is sent: the response
// stays on the device, is sent when the connection returns and is stored
// once, redacted. A half-filled form survives a reload. The results page
// draws its diverging bars.
func TestVoiceBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	ctx := browser(t)
	f, _ := voiceFixture(t, 3000)
	if !f.srv.built {
		t.Fatal("the UI bundle is not embedded: run `make ui` before the browser test")
	}
	dir := artefacts(t)
	count := func() int {
		rs, err := f.st.VoiceResponses(context.Background(), "county-conversation")
		if err != nil {
			t.Fatal(err)
		}
		return len(rs)
	}
	var (
		scrollW, offlineStored int
		offlineStatus, draft   string
		restored, restoredMsg  string
		segs, withheld         int
	)
	capture := f.ts.URL + "/voice/county-conversation/capture"
	steps := []struct {
		name    string
		actions []chromedp.Action
	}{
		{"sign in on a phone", []chromedp.Action{
			chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
			chromedp.Navigate(f.ts.URL + "/signin"),
			chromedp.WaitVisible(`#user`, chromedp.ByQuery),
			chromedp.SendKeys(`#user`, analystID, chromedp.ByQuery),
			chromedp.SendKeys(`#password`, password, chromedp.ByQuery),
			chromedp.Submit(`#password`, chromedp.ByQuery),
			chromedp.WaitVisible(`header nav`, chromedp.ByQuery),
		}},
		{"fill the form", []chromedp.Action{
			chromedp.Navigate(capture),
			chromedp.WaitVisible(`#capture-form`, chromedp.ByQuery),
			chromedp.Evaluate(`document.documentElement.scrollWidth`, &scrollW),
			chromedp.Click(`#consent_store`, chromedp.ByQuery),
			chromedp.Click(`input[name="q_belong"][value="Agree"]`, chromedp.ByQuery),
			chromedp.Click(`input[name="q_trust"][value="Disagree"]`, chromedp.ByQuery),
			chromedp.SendKeys(`#q_say`, "Buses after six please, ring me on 07700 900123", chromedp.ByQuery),
			shot(t, dir, "voice-01-capture-phone"),
		}},
		{"send with the connection dropped", []chromedp.Action{
			network.Enable(),
			network.EmulateNetworkConditions(true, 0, -1, -1),
			chromedp.Click(`#capture-form button[type=submit]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#capture-form[data-state="offline"]`, chromedp.ByQuery),
			chromedp.Text(`#capture-status`, &offlineStatus, chromedp.ByQuery),
			chromedp.Evaluate(`localStorage.getItem('civiclink.voice.draft.county-conversation')`, &draft),
			chromedp.ActionFunc(func(context.Context) error { offlineStored = count(); return nil }),
			shot(t, dir, "voice-02-offline"),
		}},
		{"the connection returns", []chromedp.Action{
			network.EmulateNetworkConditions(false, 0, -1, -1),
			chromedp.WaitVisible(`#capture-form[data-state="saved"]`, chromedp.ByQuery),
			shot(t, dir, "voice-03-saved"),
		}},
		{"a draft survives a reload", []chromedp.Action{
			chromedp.SendKeys(`#q_say`, "Half a thought", chromedp.ByQuery),
			chromedp.Reload(),
			chromedp.WaitVisible(`#capture-form[data-state="restored"]`, chromedp.ByQuery),
			chromedp.Value(`#q_say`, &restored, chromedp.ByQuery),
			chromedp.Text(`#capture-status`, &restoredMsg, chromedp.ByQuery),
		}},
		{"results", []chromedp.Action{
			chromedp.EmulateViewport(1280, 900),
			chromedp.Navigate(f.ts.URL + "/voice/county-conversation?by=age_band"),
			chromedp.WaitVisible(`#bars-belong`, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll('#bars-belong rect.seg').length`, &segs),
			chromedp.Navigate(f.ts.URL + "/voice/county-conversation?by=district"),
			chromedp.WaitVisible(`#bars-trust`, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll('.voice-question circle.point').length`, &withheld),
			shot(t, dir, "voice-04-results"),
		}},
	}
	for _, s := range steps {
		if err := chromedp.Run(ctx, s.actions...); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	if scrollW > 390 {
		t.Errorf("the capture form is %d px wide on a 390 px phone: it scrolls sideways", scrollW)
	}
	if !strings.Contains(offlineStatus, "kept on this device") || !strings.Contains(draft, `"pending":true`) || offlineStored != 3000 {
		t.Errorf("offline: status %q, draft %q, %d stored (want 3000: nothing sent)", offlineStatus, draft, offlineStored)
	}
	if got := count(); got != 3001 {
		t.Errorf("%d responses after the connection returned, want 3001 (stored once)", got)
	}
	rs, _ := f.st.VoiceResponses(context.Background(), "county-conversation")
	if a, _ := rs[len(rs)-1].Answer("say"); a.Text.String() != "Buses after six please, ring me on [phone]" {
		t.Errorf("stored text %q", a.Text)
	}
	if restored != "Half a thought" || !strings.Contains(restoredMsg, "Draft restored") {
		t.Errorf("after a reload the answer is %q and the status %q", restored, restoredMsg)
	}
	if segs < 5*4 {
		t.Errorf("%d bar segments by age band, want bars drawn for at least four bands", segs)
	}
	if withheld < 2 {
		t.Errorf("%d trend points, want one per wave", withheld)
	}
}
