package voice

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

// testDistricts are the districts the fixture programme uses and two more.
var testDistricts = Districts{"E07000070": "Chelmsford", "E07000073": "Harlow", "E07000066": "Basildon", "E06000034": "Thurrock"}

func fixture(tb testing.TB) *Programme {
	tb.Helper()
	b, err := os.ReadFile("testdata/programme.json")
	if err != nil {
		tb.Fatal(err)
	}
	var p Programme
	if err := json.Unmarshal(b, &p); err != nil {
		tb.Fatal(err)
	}
	if err := p.Validate(testDistricts.Codes()); err != nil {
		tb.Fatal(err)
	}
	return &p
}

var now = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

func TestReadCSVGood(t *testing.T) {
	p := fixture(t)
	f, _ := os.Open("testdata/import/good.csv")
	defer f.Close()
	rs, err := ReadCSV(p, testDistricts, f, "tester", now)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 4 {
		t.Fatalf("got %d responses, want 4", len(rs))
	}
	tests := []struct {
		i                  int
		district, band     string
		quote              bool
		q, want            string
		plantedNotInAnswer string
	}{
		{0, "E07000070", "25-34", true, "trust", "Disagree", ""},
		{0, "E07000070", "25-34", true, "say", "More buses in the evening; email me at [email]", "someone@example.org"},
		{1, "E07000070", "65-74", false, "belong", "Strongly agree", ""},
		{1, "E07000070", "65-74", false, "say", "I feel safe but the street lights are out. Ring [phone]", "07700 900123"},
		{2, "E07000073", "", true, "say", "Nobody listens, the council never answers. I live at [postcode]", "CM20 1AB"},
		{3, "E07000070", "16-24", false, "trust", "Agree", ""},
	}
	for _, tt := range tests {
		r := rs[tt.i]
		if r.District != tt.district || r.AgeBand != tt.band || r.ConsentQuote != tt.quote || !r.ConsentStore {
			t.Errorf("response %d: district %s band %q quote %v, want %s %q %v", tt.i, r.District, r.AgeBand, r.ConsentQuote, tt.district, tt.band, tt.quote)
		}
		a, _ := r.Answer(tt.q)
		got := a.Option + a.Text.String()
		if got != tt.want {
			t.Errorf("response %d %s = %q, want %q", tt.i, tt.q, got, tt.want)
		}
	}
}

func TestReadCSVRefused(t *testing.T) {
	p := fixture(t)
	tests := []struct {
		file string
		want []string
	}{
		{"bad.csv", []string{"5 of 5 rows refused, nothing imported", "line 2: answer \"6\" to trust is outside its scale", "line 3: unknown session \"nowhere\"",
			"line 4: no consent to store", "line 5: the answer to say has 2001 characters, over the limit of 2000", "line 6: answer \"Sometimes\" to together is not one of its choices"}},
		{"noconsent.csv", []string{"line 1: the consent_quote column is missing"}},
		{"unknown-column.csv", []string{"line 1: column \"email\" is neither a response column nor a question"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, _ := os.Open("testdata/import/" + tt.file)
			defer f.Close()
			rs, err := ReadCSV(p, testDistricts, f, "tester", now)
			if err == nil || rs != nil {
				t.Fatalf("got %d responses and error %v, want a refusal", len(rs), err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "someone@example.org") || strings.Contains(err.Error(), "xxxxxxxx") {
				t.Errorf("the refusal quotes free text: %q", err)
			}
		})
	}
}

func TestWriteCSVReads(t *testing.T) {
	p := fixture(t)
	f, _ := os.Open("testdata/import/good.csv")
	defer f.Close()
	rs, err := ReadCSV(p, testDistricts, f, "tester", now)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteCSV(&b, p, rs); err != nil {
		t.Fatal(err)
	}
	again, err := ReadCSV(p, testDistricts, strings.NewReader(b.String()), "other", now.Add(time.Hour))
	if err != nil {
		t.Fatalf("export does not re-import: %v\n%s", err, b.String())
	}
	var b2 strings.Builder
	WriteCSV(&b2, p, again)
	if b.String() != b2.String() {
		t.Errorf("re-imported export differs:\n%s\nthen\n%s", b.String(), b2.String())
	}
}

func TestKappa(t *testing.T) {
	// 20 both, 5 only A, 10 only B, 15 neither of 50: po = 0.7,
	// pe = 0.5·0.6 + 0.5·0.4 = 0.5, κ = 0.2/0.5 = 0.4.
	if got := Kappa(20, 5, 10, 15); math.Abs(got-0.4) > 1e-9 {
		t.Errorf("Kappa = %v, want 0.4", got)
	}
	// 45 both, 15 only A, 25 only B, 15 neither of 100 (a worked
	// example): po = 0.6, pe = 0.6·0.7 + 0.4·0.3 = 0.54, κ = 0.1304.
	if got := Kappa(45, 15, 25, 15); math.Abs(got-0.130434) > 1e-5 {
		t.Errorf("Kappa = %v, want 0.1304", got)
	}
	if got := Kappa(10, 0, 0, 10); got != 1 {
		t.Errorf("perfect agreement: kappa %v, want 1", got)
	}
	if got := Kappa(0, 0, 0, 10); !math.IsNaN(got) {
		t.Errorf("no variation: kappa %v, want NaN", got)
	}
}

func TestCompareCoders(t *testing.T) {
	p := fixture(t)
	cs := []Coding{
		{ResponseID: "1", QuestionID: "say", Coder: "ann", Themes: []string{"safety"}},
		{ResponseID: "1", QuestionID: "say", Coder: "bob", Themes: []string{"safety"}},
		{ResponseID: "2", QuestionID: "say", Coder: "ann", Themes: []string{"transport"}},
		{ResponseID: "2", QuestionID: "say", Coder: "bob", Themes: []string{"transport", "youth"}},
		{ResponseID: "3", QuestionID: "say", Coder: "ann", Themes: nil},
		{ResponseID: "3", QuestionID: "say", Coder: "bob", Themes: []string{"safety"}},
		{ResponseID: "4", QuestionID: "say", Coder: "ann", Themes: []string{"trust"}}, // bob did not code 4
	}
	ag, err := CompareCoders(p.Codebook, cs, "ann", "bob")
	if err != nil {
		t.Fatal(err)
	}
	if ag.Items != 3 {
		t.Errorf("items %d, want 3", ag.Items)
	}
	// safety: both 1, only bob 1, neither 1 → po 2/3, pe = 1/3·2/3 + 2/3·1/3 = 4/9, κ = 0.4.
	if got := ag.Themes[0]; got.Both != 1 || got.OnlyB != 1 || got.Neither != 1 || math.Abs(got.Kappa-0.4) > 1e-9 {
		t.Errorf("safety agreement %+v, want both 1, only B 1, neither 1, kappa 0.4", got)
	}
	// pooled over 12 decisions: both 2, only B 2, neither 8 → po 10/12.
	if math.Abs(ag.Observed-10.0/12) > 1e-9 {
		t.Errorf("observed %v, want %v", ag.Observed, 10.0/12)
	}
	if _, err := CompareCoders(p.Codebook, cs, "ann", "ann"); err == nil {
		t.Error("a coder compared with themselves was accepted")
	}
}

func TestRuleCoding(t *testing.T) {
	p := fixture(t)
	tests := []struct {
		text string
		want string
	}{
		{"I feel safer since the street lighting was fixed", "safety"},
		{"The buses stop at six and the roads are full of potholes", "transport"},
		{"Nothing for teenagers; the council never answers", "youth,trust"},
		{"A nice park", ""},
		{"unsafe?", ""}, // word boundary: "unsafe" is not "safe*"
	}
	for _, tt := range tests {
		if got := strings.Join(Code(p.Codebook, Redact(tt.text)), ","); got != tt.want {
			t.Errorf("Code(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestWilson(t *testing.T) {
	// 50 of 100: 40.4% to 59.6% (Wilson, 95%).
	lo, hi := Wilson(50, 100)
	if lo != 40.4 || hi != 59.6 {
		t.Errorf("Wilson(50, 100) = %v, %v; want 40.4, 59.6", lo, hi)
	}
	if lo, hi := Wilson(0, 20); lo != 0 || hi != 16.1 {
		t.Errorf("Wilson(0, 20) = %v, %v; want 0, 16.1", lo, hi)
	}
}

func TestDemoInputs(t *testing.T) {
	p := DemoProgramme(testDistricts)
	if err := p.Validate(testDistricts.Codes()); err != nil {
		t.Fatal(err)
	}
	if got, want := len(p.Sessions), 2*len(testDistricts); got != want {
		t.Errorf("%d sessions, want %d (two waves in every district)", got, want)
	}
	svc := &Service{Districts: testDistricts}
	rs, err := svc.DemoResponses(p, 2000, 1)
	if err != nil {
		t.Fatal(err)
	}
	markers, planted := 0, 0
	for i, in := range DemoInputs(p, 2000, 1) {
		if strings.Contains(in.Answers["say"], "@example.org") || strings.Contains(in.Answers["say"], "07700") {
			planted++
		}
		a, _ := rs[i].Answer("say")
		markers += a.Text.Markers()
		if strings.Contains(a.Text.String(), "@") || strings.Contains(a.Text.String(), "07700") {
			t.Errorf("response %d keeps an identifier: %q", i, a.Text)
		}
	}
	if planted < 50 || markers < planted {
		t.Errorf("%d planted emails and phones, %d markers: the demo should exercise redaction", planted, markers)
	}
	again, _ := svc.DemoResponses(p, 2000, 1)
	if again[1999].Answers[0].Option != rs[1999].Answers[0].Option {
		t.Error("the demo is not deterministic for a seed")
	}
}
