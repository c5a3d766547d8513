package store

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/voice"
)

var voiceDistricts = voice.Districts{"E07000070": "Chelmsford", "E07000073": "Harlow", "E07000066": "Basildon"}

// voiceService is the voice room over a file store with a signed audit
// log, and users who may do everything.
func voiceService(t *testing.T) (*voice.Service, *Store, string, *govern.User, *govern.User) {
	t.Helper()
	dir := t.TempDir()
	s, a := openAudit(t, filepath.Join(dir, "v.duckdb"), newKey(t))
	t.Cleanup(func() { s.Close() })
	svc := &voice.Service{Store: s, Audit: govern.AuditRecorder{Log: a}, Clock: s.Clock, Districts: voiceDistricts}
	admin := &govern.User{ID: "ana", PartnerID: "council", Roles: []govern.Role{govern.PartnerAdmin, govern.Analyst}}
	checker := &govern.User{ID: "oli", PartnerID: "council", Roles: []govern.Role{govern.OutputChecker}}
	b, err := os.ReadFile("../voice/testdata/programme.json")
	if err != nil {
		t.Fatal(err)
	}
	var p voice.Programme
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	if err := svc.Define(context.Background(), admin, &p); err != nil {
		t.Fatal(err)
	}
	return svc, s, dir, admin, checker
}

type planted struct {
	Text    string   `json:"text"`
	Planted []string `json:"planted"`
}

// TestVoicePlantedIdentifiersNeverStored captures every line of the
// planted-identifier corpus, exports, and then searches every text column
// of every table (the audit log included), the export and the files on
// disk: no planted identifier may be found.
func TestVoicePlantedIdentifiersNeverStored(t *testing.T) {
	ctx := context.Background()
	svc, s, dir, admin, _ := voiceService(t)
	f, err := os.Open("../voice/testdata/planted/corpus.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var needles []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var c planted
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		for _, p := range c.Planted {
			if len(p) >= 6 { // short fragments ("\x00") are checked in the voice package
				needles = append(needles, p)
			}
		}
		_, _, err := svc.Capture(ctx, admin, "county-conversation", voice.Input{SessionID: "harlow-w1", ConsentStore: true, ConsentQuote: true,
			Answers: map[string]string{"say": c.Text, "belong": "Agree"}})
		if err != nil {
			t.Fatalf("capture %q: %v", c.Text, err)
		}
	}
	var export bytes.Buffer
	if n, err := svc.Export(ctx, admin, "county-conversation", &export); err != nil || n < 25 {
		t.Fatalf("export: %d responses, %v", n, err)
	}
	sources := map[string]string{"tables": allText(t, s), "export": export.String()}
	s.Close()
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, fn := range files {
		b, _ := os.ReadFile(fn)
		sources[filepath.Base(fn)] = string(b)
	}
	var corpus string
	for _, v := range sources {
		corpus += "\n" + v
	}
	if !strings.Contains(corpus, "[nhs-number]") || !strings.Contains(corpus, "voice.capture") {
		t.Fatal("the search found neither the markers nor the audit entries: it is not searching the store")
	}
	for _, n := range needles {
		for where, text := range sources {
			if i := strings.Index(text, n); i >= 0 {
				t.Errorf("planted identifier %q found in %s: %q", n, where, text[max(0, i-40):min(len(text), i+40)])
			}
		}
	}
}

// allText returns every VARCHAR value of every table, one per line.
func allText(t *testing.T, s *Store) string {
	t.Helper()
	rows, err := s.db.Query(`SELECT table_name, column_name FROM information_schema.columns WHERE data_type IN ('VARCHAR', 'BLOB', 'JSON')`)
	if err != nil {
		t.Fatal(err)
	}
	type col struct{ t, c string }
	var cols []col
	for rows.Next() {
		var c col
		rows.Scan(&c.t, &c.c)
		cols = append(cols, c)
	}
	rows.Close()
	var b strings.Builder
	for _, c := range cols {
		r, err := s.db.Query(`SELECT CAST(` + quoteIdent(c.c) + ` AS VARCHAR) FROM ` + quoteIdent(c.t))
		if err != nil {
			continue // a view or system table
		}
		for r.Next() {
			var v *string
			r.Scan(&v)
			if v != nil {
				b.WriteString(*v + "\n")
			}
		}
		r.Close()
	}
	return b.String()
}

func TestVoiceImportAllOrNothing(t *testing.T) {
	ctx := context.Background()
	svc, s, _, admin, _ := voiceService(t)
	good, _ := os.ReadFile("../voice/testdata/import/good.csv")
	if n, err := svc.Import(ctx, admin, "county-conversation", "good.csv", bytes.NewReader(good)); err != nil || n != 4 {
		t.Fatalf("import: %d, %v", n, err)
	}
	// The same file again: every id exists, nothing more is stored.
	if _, err := svc.Import(ctx, admin, "county-conversation", "good.csv", bytes.NewReader(good)); fault.Code(err) != fault.Conflict {
		t.Fatalf("re-import: %v, want a conflict", err)
	}
	bad, _ := os.ReadFile("../voice/testdata/import/bad.csv")
	if _, err := svc.Import(ctx, admin, "county-conversation", "bad.csv", bytes.NewReader(bad)); fault.Code(err) != fault.Invalid {
		t.Fatalf("bad import: %v, want invalid", err)
	}
	rs, err := s.VoiceResponses(ctx, "county-conversation")
	if err != nil || len(rs) != 4 {
		t.Fatalf("stored %d responses (%v), want the 4 of good.csv only", len(rs), err)
	}
	ps, _ := s.VoiceProgrammes(ctx)
	if len(ps) != 1 || ps[0].Responses != 4 || ps[0].Sessions != 3 || ps[0].Questions != 4 {
		t.Errorf("summary %+v", ps)
	}
}

func TestVoiceQuoteLifecycle(t *testing.T) {
	ctx := context.Background()
	svc, s, _, admin, checker := voiceService(t)
	good, _ := os.ReadFile("../voice/testdata/import/good.csv")
	if _, err := svc.Import(ctx, admin, "county-conversation", "good.csv", bytes.NewReader(good)); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ProposeQuote(ctx, admin, "g2", "say", "", "safety"); fault.Code(err) != fault.Forbidden {
		t.Errorf("quote without quote consent: %v, want forbidden", err)
	}
	if _, err := svc.ProposeQuote(ctx, admin, "g3", "say", "words nobody said", ""); fault.Code(err) != fault.Invalid {
		t.Errorf("excerpt not in the redacted answer: %v, want invalid", err)
	}
	q, err := svc.ProposeQuote(ctx, admin, "g3", "say", "Nobody listens, the council never answers.", "trust")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ReleaseQuote(ctx, checker, q.ID); fault.Code(err) != fault.Conflict {
		t.Errorf("release before approval: %v, want conflict", err)
	}
	if _, err := svc.CheckQuote(ctx, admin, q.ID, true, ""); fault.Code(err) != fault.Forbidden {
		t.Errorf("approval by a non-checker: %v, want forbidden", err)
	}
	if _, err := svc.CheckQuote(ctx, checker, q.ID, true, "fine"); err != nil {
		t.Fatal(err)
	}
	rel, err := svc.ReleaseQuote(ctx, checker, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CheckQuote(ctx, checker, q.ID, false, "changed my mind"); fault.Code(err) != fault.Conflict {
		t.Errorf("checking a released quote: %v, want conflict", err)
	}
	// Even straight to the store, a released quote does not change.
	rel.Note = "edited"
	rel.Text = voice.Redact("something else")
	if err := s.UpdateVoiceQuote(ctx, rel); fault.Code(err) != fault.Conflict {
		t.Errorf("store update of a released quote: %v, want conflict", err)
	}
	got, err := s.VoiceQuote(ctx, q.ID)
	if err != nil || got.State != voice.QuoteReleased || got.Note != "fine" || !got.Verify() {
		t.Errorf("released quote now %+v (%v); want unchanged and verified", got, err)
	}
	var actions []string
	for l, err := range svc.Audit.(govern.AuditRecorder).Log.(*Audit).Leaves(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(l.Columns.Action, "voice.quote") {
			actions = append(actions, l.Columns.Action+":"+l.Columns.Outcome)
		}
	}
	if want := "voice.quote.propose:denied voice.quote.propose:error voice.quote.propose:allowed voice.quote.release:error voice.quote.approve:denied voice.quote.approve:allowed voice.quote.release:allowed voice.quote.reject:error"; strings.Join(actions, " ") != want {
		t.Errorf("audit trail\n%s\nwant\n%s", strings.Join(actions, " "), want)
	}
}

// BenchmarkVoice measures loading the demo's 3,000 responses (checked,
// redacted, stored in one transaction) and one question's results by
// district through disclosure control, against redaction alone of the
// same free text (the reference).
func BenchmarkVoice(b *testing.B) {
	ctx := context.Background()
	admin := &govern.User{ID: "ana", PartnerID: "council", Roles: []govern.Role{govern.PartnerAdmin, govern.Analyst}}
	newSvc := func(b *testing.B) *voice.Service {
		s, a := openAudit(b, filepath.Join(b.TempDir(), "v.duckdb"), newKey(b))
		b.Cleanup(func() { s.Close() })
		return &voice.Service{Store: s, Audit: govern.AuditRecorder{Log: a}, Clock: s.Clock, Districts: voiceDistricts}
	}
	p := voice.DemoProgramme(voiceDistricts)
	var texts []string
	for _, in := range voice.DemoInputs(p, 3000, 1) {
		texts = append(texts, in.Answers["say"])
	}
	b.Run("redact-only/responses=3000", func(b *testing.B) {
		for b.Loop() {
			for _, t := range texts {
				voice.Redact(t)
			}
		}
	})
	b.Run("load/responses=3000", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			svc := newSvc(b)
			p := voice.DemoProgramme(voiceDistricts)
			if err := svc.Define(ctx, admin, p); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if _, err := svc.LoadDemo(ctx, admin, p, 3000, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("results-by-district/responses=3000", func(b *testing.B) {
		svc := newSvc(b)
		p := voice.DemoProgramme(voiceDistricts)
		svc.Define(ctx, admin, p)
		svc.LoadDemo(ctx, admin, p, 3000, 1)
		for b.Loop() {
			if _, err := svc.Results(ctx, admin, voice.ResultSpec{ProgrammeID: p.ID, QuestionID: "trust", By: []string{"district"}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
