package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/voice"
)

// VoiceStore is a backend under citizen voice's contract.
type VoiceStore interface {
	voice.Store
}

// RunVoice runs citizen voice's store contract against backends made by
// open, a fresh one per subtest, through the voice service as the web and
// CLI use it: a programme read back whole, an import stored all or
// nothing (a retried file conflicts and stores nothing more), codings
// replacing their coder's earlier one, actions, and a quote's lifecycle
// ending in a release that never changes, not even straight to the store.
func RunVoice(t *testing.T, open func(t *testing.T) VoiceStore) {
	t.Run("programme and import", func(t *testing.T) { voiceImport(t, open(t)) })
	t.Run("codings and actions", func(t *testing.T) { voiceCodings(t, open(t)) })
	t.Run("quotes", func(t *testing.T) { voiceQuotes(t, open(t)) })
}

// voiceTestdata is internal/voice/testdata, wherever the caller runs.
func voiceTestdata(t *testing.T, name string) []byte {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "..", "voice", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// noRecord keeps no audit entries: the store is under test here.
type noRecord struct{}

func (noRecord) Record(context.Context, govern.Event) error { return nil }

var (
	voiceAnalyst = &govern.User{ID: "ana", PartnerID: "council", Roles: []govern.Role{govern.PartnerAdmin, govern.Analyst}}
	voiceChecker = &govern.User{ID: "oli", PartnerID: "council", Roles: []govern.Role{govern.OutputChecker}}
)

// voiceService defines the test programme on st and imports good.csv.
func voiceService(t *testing.T, st VoiceStore) *voice.Service {
	t.Helper()
	clk := clock.NewManual(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	svc := &voice.Service{Store: st, Audit: noRecord{}, Clock: clk,
		Districts: voice.Districts{"E07000070": "Chelmsford", "E07000073": "Harlow", "E07000066": "Basildon"}}
	var p voice.Programme
	if err := json.Unmarshal(voiceTestdata(t, "programme.json"), &p); err != nil {
		t.Fatal(err)
	}
	if err := svc.Define(context.Background(), voiceAnalyst, &p); err != nil {
		t.Fatal(err)
	}
	if n, err := svc.Import(context.Background(), voiceAnalyst, "county-conversation", "good.csv", bytes.NewReader(voiceTestdata(t, "import/good.csv"))); err != nil || n != 4 {
		t.Fatalf("import: %d, %v", n, err)
	}
	return svc
}

func voiceImport(t *testing.T, st VoiceStore) {
	ctx := context.Background()
	svc := voiceService(t, st)
	p, err := st.VoiceProgramme(ctx, "county-conversation")
	if err != nil || len(p.Questions) != 4 || len(p.Sessions) != 3 || len(p.Codebook) == 0 || p.Sessions[0].Date.IsZero() {
		t.Fatalf("programme read back: %+v, %v", p, err)
	}
	if _, err := st.VoiceProgramme(ctx, "nothing"); fault.Code(err) != fault.NotFound {
		t.Errorf("an unknown programme: %v, want not found", err)
	}
	if _, err := svc.Import(ctx, voiceAnalyst, "county-conversation", "good.csv", bytes.NewReader(voiceTestdata(t, "import/good.csv"))); fault.Code(err) != fault.Conflict {
		t.Fatalf("re-import: %v, want a conflict", err)
	}
	rs, err := st.VoiceResponses(ctx, "county-conversation")
	if err != nil || len(rs) != 4 || rs[0].ID != "g1" || rs[3].ID != "g4" {
		t.Fatalf("stored responses %d (%v), want g1…g4 of good.csv once, in capture order", len(rs), err)
	}
	r, err := st.VoiceResponse(ctx, "g3")
	if a, ok := r.Answer("say"); err != nil || !ok || !bytes.Contains([]byte(a.Text.String()), []byte("Nobody listens")) || bytes.Contains([]byte(a.Text.String()), []byte("CM20 1AB")) {
		t.Errorf("g3's free text: %+v %v, want it stored redacted", r, err)
	}
	ps, err := st.VoiceProgrammes(ctx)
	if err != nil || len(ps) != 1 || ps[0].Responses != 4 || ps[0].Sessions != 3 || ps[0].Questions != 4 {
		t.Errorf("summary %+v (%v)", ps, err)
	}
}

func voiceCodings(t *testing.T, st VoiceStore) {
	ctx := context.Background()
	svc := voiceService(t, st)
	p, err := st.VoiceProgramme(ctx, "county-conversation")
	if err != nil {
		t.Fatal(err)
	}
	th := p.Codebook[0].ID
	for _, themes := range [][]string{{th}, {th, p.Codebook[1].ID}} {
		if err := svc.Code(ctx, voiceAnalyst, voice.Coding{ProgrammeID: p.ID, ResponseID: "g3", QuestionID: "say", Themes: themes}); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := st.VoiceCodings(ctx, p.ID)
	if err != nil || len(cs) != 1 || len(cs[0].Themes) != 2 || cs[0].Coder != "ana" {
		t.Errorf("codings %+v (%v), want ana's second coding only", cs, err)
	}
	a := &voice.Action{ProgrammeID: p.ID, ThemeID: th, Title: "Street lights fixed", Link: "/programme"}
	if err := svc.AddAction(ctx, voiceAnalyst, a); err != nil {
		t.Fatal(err)
	}
	if err := st.AddVoiceAction(ctx, a); fault.Code(err) != fault.Conflict {
		t.Errorf("the same action again: %v, want a conflict", err)
	}
	as, err := st.VoiceActions(ctx, p.ID)
	if err != nil || len(as) != 1 || as[0].Title != a.Title || as[0].By != "ana" {
		t.Errorf("actions %+v (%v)", as, err)
	}
}

func voiceQuotes(t *testing.T, st VoiceStore) {
	ctx := context.Background()
	svc := voiceService(t, st)
	q, err := svc.ProposeQuote(ctx, voiceAnalyst, "g3", "say", "Nobody listens, the council never answers.", "trust")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CheckQuote(ctx, voiceChecker, q.ID, true, "fine"); err != nil {
		t.Fatal(err)
	}
	rel, err := svc.ReleaseQuote(ctx, voiceChecker, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	rel.Note, rel.Text = "edited", voice.Redact("something else")
	if err := st.UpdateVoiceQuote(ctx, rel); fault.Code(err) != fault.Conflict {
		t.Errorf("store update of a released quote: %v, want conflict", err)
	}
	got, err := st.VoiceQuote(ctx, q.ID)
	if err != nil || got.State != voice.QuoteReleased || got.Note != "fine" || !got.Verify() || got.ReleasedAt.IsZero() {
		t.Errorf("released quote now %+v (%v); want unchanged and verified", got, err)
	}
	if qs, err := st.VoiceQuotes(ctx, "county-conversation"); err != nil || len(qs) != 1 {
		t.Errorf("quotes %d (%v), want 1", len(qs), err)
	}
	if _, err := st.VoiceQuote(ctx, "nothing"); fault.Code(err) != fault.NotFound {
		t.Errorf("an unknown quote: %v, want not found", err)
	}
}
