package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// voiceStore returns a store with a partner, the tester user (partner
// admin and analyst) and the fixture programme.
func voiceStore(t *testing.T) string {
	t.Helper()
	data := filepath.Join(t.TempDir(), "v.duckdb")
	for _, args := range [][]string{
		{"partner", "add", "--id", "council", "--name", "County Council"},
		{"user", "bootstrap", "--id", "tester", "--partner", "council", "--name", "Tester", "--no-password"},
		{"user", "roles", "tester", "--roles", "partner-admin,analyst"},
		{"voice", "define", "../../internal/voice/testdata/programme.json"},
	} {
		if out, errs, code := run(t, data, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}
	return data
}

func TestVoiceCommands(t *testing.T) {
	data := voiceStore(t)
	export := filepath.Join(t.TempDir(), "export.csv")
	steps := []struct {
		args     []string
		wantCode int
		want     string
	}{
		{[]string{"voice", "import", "--programme", "county-conversation", "../../internal/voice/testdata/import/bad.csv"}, 2, "line 3: unknown session \"nowhere\""},
		{[]string{"voice", "import", "--programme", "county-conversation", "../../internal/voice/testdata/import/noconsent.csv"}, 2, "the consent_quote column is missing"},
		{[]string{"voice", "list", "--format", "json"}, 0, `"responses": 0`},
		{[]string{"voice", "import", "--programme", "county-conversation", "../../internal/voice/testdata/import/good.csv"}, 0, "imported 4 responses"},
		{[]string{"voice", "import", "--programme", "county-conversation", "../../internal/voice/testdata/import/good.csv"}, 5, "already stored: nothing was stored"},
		{[]string{"voice", "import", "--programme", "nope", "../../internal/voice/testdata/import/good.csv"}, 4, "no conversation programme \"nope\""},
		{[]string{"voice", "list"}, 0, "county-conversation  4          3         4"},
		{[]string{"voice", "export", "--programme", "county-conversation", "--output", export}, 0, "exported 4 responses"},
		{[]string{"voice", "results", "--programme", "county-conversation", "--question", "belong", "--by", "district", "--format", "csv"}, 0, "belong,Chelmsford,Agree,[c],"},
		{[]string{"voice", "results", "--programme", "county-conversation", "--by", "district,age_band"}, 0, "trust:"},
		{[]string{"voice", "results", "--programme", "county-conversation", "--by", "postcode"}, 2, "cannot break results down by \"postcode\""},
		{[]string{"voice", "results", "--programme", "county-conversation", "--question", "say"}, 2, "is free text"},
		{[]string{"voice", "themes", "--programme", "county-conversation"}, 0, "Feeling safe (safety)"},
		{[]string{"voice", "agreement", "--programme", "county-conversation", "--coders", "tester,rules"}, 4, "have coded no answer in common"},
		{[]string{"voice", "code", "--programme", "county-conversation", "--response", "g1", "--question", "say", "--themes", "transport"}, 0, "coded g1/say"},
		{[]string{"voice", "code", "--programme", "county-conversation", "--response", "g2", "--question", "say", "--themes", "transport"}, 0, "coded g2/say"},
		{[]string{"voice", "agreement", "--programme", "county-conversation", "--coders", "tester,rules"}, 0, "coded 2 answers in common"},
		{[]string{"voice", "quote", "propose", "--response", "g1", "--question", "say", "--theme", "transport"}, 0, "More buses in the evening; email me at [email]"},
		{[]string{"voice", "action", "add", "--programme", "county-conversation", "--theme", "transport", "--title", "Evening buses on two routes", "--project", "safer-communities", "--link", "/programme/safer-communities"}, 0, "recorded action"},
		{[]string{"voice", "action", "add", "--programme", "county-conversation", "--theme", "nope", "--title", "x"}, 2, "theme \"nope\" is not in programme"},
		{[]string{"voice", "quote", "approve", "q-none"}, 3, "only a user with the role output-checker"},
		{[]string{"audit", "list", "--action", "voice.import"}, 0, "voice:county-conversation"},
		{[]string{"audit", "verify"}, 0, "intact"},
	}
	for _, s := range steps {
		out, errs, code := run(t, data, s.args...)
		if code != s.wantCode {
			t.Errorf("%v: exit %d, want %d\nstdout: %s\nstderr: %s", s.args, code, s.wantCode, out, errs)
			continue
		}
		where := out
		if code != 0 {
			where = errs
		}
		if !strings.Contains(where, s.want) {
			t.Errorf("%v: output does not contain %q\nstdout: %s\nstderr: %s", s.args, s.want, out, errs)
		}
		for _, planted := range []string{"someone@example.org", "07700 900123", "CM20 1AB"} {
			if strings.Contains(out+errs, planted) {
				t.Errorf("%v: planted identifier %q in the output", s.args, planted)
			}
		}
	}

	// The export re-imports into a fresh store and exports the same.
	b, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	other := voiceStore(t)
	if out, errs, code := run(t, other, "voice", "import", "--programme", "county-conversation", export); code != 0 {
		t.Fatalf("re-import: %s%s", out, errs)
	}
	again, errs, code := run(t, other, "voice", "export", "--programme", "county-conversation")
	if code != 0 || again != string(b) {
		t.Errorf("re-imported export differs (exit %d, %s):\n%s\nthen\n%s", code, errs, b, again)
	}
	var list []map[string]any
	out, _, _ := run(t, other, "voice", "list", "--format", "json")
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 || list[0]["responses"] != float64(4) {
		t.Errorf("voice list --format json: %s (%v)", out, err)
	}
}
