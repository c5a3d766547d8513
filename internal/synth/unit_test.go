package synth

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/civiclink/civiclink/internal/pseudo/normalise"
)

func TestDates(t *testing.T) {
	for _, s := range []string{"1900-03-01", "1969-12-31", "1970-01-01", "2000-02-29", "2023-12-31", "2024-02-29"} {
		tm, _ := time.Parse(time.DateOnly, s)
		day := dayOf(tm.Year(), int(tm.Month()), tm.Day())
		if got, want := day, int32(tm.Unix()/86400); got != want {
			t.Errorf("dayOf(%s) = %d, want %d", s, got, want)
		}
		if got := string(appendDate(nil, day)); got != s {
			t.Errorf("appendDate(dayOf(%s)) = %s", s, got)
		}
	}
	for y := 2018; y <= 2024; y++ {
		d := censusDay(y)
		tm := time.Unix(int64(d)*86400, 0).UTC()
		if tm.Weekday() != time.Thursday || tm.Month() != time.January || tm.Day() < 15 || tm.Day() > 21 {
			t.Errorf("censusDay(%d) = %s, want the third Thursday of January", y, tm.Format(time.DateOnly))
		}
	}
	tests := []struct {
		dob, on string
		want    int
	}{
		{"2000-06-15", "2010-06-14", 9}, {"2000-06-15", "2010-06-15", 10}, {"2000-02-29", "2001-02-28", 0},
	}
	for _, tt := range tests {
		a, _ := time.Parse(time.DateOnly, tt.dob)
		b, _ := time.Parse(time.DateOnly, tt.on)
		got := ageOn(int32(a.Unix()/86400), int32(b.Unix()/86400))
		if got != tt.want {
			t.Errorf("ageOn(%s, %s) = %d, want %d", tt.dob, tt.on, got, tt.want)
		}
	}
}

func TestNHSNumbers(t *testing.T) {
	seen := map[string]bool{}
	for _, idx := range []int32{0, 1, 2, 9, 10, 12345, 999_999, 1_500_000, MaxPeople - 1} {
		n := nhsNumber(7, idx)
		if _, err := normalise.NHSNumber(n); err != nil {
			t.Errorf("nhsNumber(%d) = %s: %v", idx, n, err)
		}
		if n[0] != '9' {
			t.Errorf("nhsNumber(%d) = %s does not start with 9", idx, n)
		}
		if seen[n] {
			t.Errorf("nhsNumber(%d) = %s repeats", idx, n)
		}
		seen[n] = true
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		ok   bool
	}{
		{"default", func(*Config) {}, true},
		{"no people", func(c *Config) { c.People = 0 }, false},
		{"too many", func(c *Config) { c.People = MaxPeople + 1 }, false},
		{"bad start", func(c *Config) { c.Start = "2018-13-01" }, false},
		{"backwards", func(c *Config) { c.Start, c.End = "2023-01-01", "2018-01-01" }, false},
		{"rate over 1", func(c *Config) { c.Errors.Nickname = 1.5 }, false},
		{"unknown dataset", func(c *Config) { c.Datasets["gp"] = DatasetSettings{RateScale: 1} }, false},
		{"negative scale", func(c *Config) { c.Datasets["ae_attendances"] = DatasetSettings{RateScale: -1} }, false},
		{"dataset left out", func(c *Config) { delete(c.Datasets, "homelessness") }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig(100, 1)
			tt.edit(&c)
			err := c.Validate()
			if (err == nil) != tt.ok {
				t.Errorf("Validate: got %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestCorruptions(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tests := []struct{ in, rule, want string }{
		{"Stephen", "ph", "Stefen"}, {"Jackie", "ck", "Jakie"}, {"McDonald", "Mc", "MacDonald"},
		{"Emmett", "tt", "Emmet"}, {"Jameson", "son", "Jamesen"},
	}
	for _, tt := range tests {
		i := phoneticRule(tt.in)
		if i < 0 || phoneticRules[i][0] != tt.rule {
			t.Errorf("phoneticRule(%s) picked %d", tt.in, i)
			continue
		}
		if got := applyPhonetic(tt.in, i); got != tt.want {
			t.Errorf("applyPhonetic(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
	for range 100 {
		got := keyboardTypo(r, "Margaret")
		if got == "Margaret" || len(got) != 8 || got[0] != 'M' {
			t.Fatalf("keyboardTypo(Margaret) = %s", got)
		}
		diff := 0
		for i := range got {
			if got[i] != "Margaret"[i] {
				diff++
				if !strings.ContainsRune(neighbours("Margaret"[i]), rune(got[i]|0x20)) {
					t.Fatalf("keyboardTypo put %c for %c: not a neighbouring key", got[i], "Margaret"[i])
				}
			}
		}
		if diff != 1 {
			t.Fatalf("keyboardTypo(Margaret) = %s changes %d letters", got, diff)
		}
	}
}

func FuzzCorruptions(f *testing.F) {
	for _, s := range []string{"", "A", "O'Brien", "Smith-Jones", "Zoë", "McDonald", "ph"} {
		f.Add(s, uint64(1))
	}
	f.Fuzz(func(t *testing.T, s string, seed uint64) {
		r := rand.New(rand.NewPCG(seed, 0))
		outs := []string{keyboardTypo(r, s)}
		if i := phoneticRule(s); i >= 0 {
			outs = append(outs, applyPhonetic(s, i))
		}
		a, b := whitespace(r, s, s)
		outs = append(outs, a, b)
		for _, o := range outs {
			if utf8.ValidString(s) && !utf8.ValidString(o) {
				t.Fatalf("corrupting %q made invalid UTF-8 %q", s, o)
			}
		}
	})
}

func TestRecordIDsUnique(t *testing.T) {
	o := &outputs{w: &world{ds: datasets}, seq: make([]uint64, len(datasets)), add: []uint64{123_456_789}}
	seen := map[string]bool{}
	for range 200_000 {
		id := string(o.recordID(nil, 0))
		if seen[id] || len(id) != 11 {
			t.Fatalf("record id %s repeats or is malformed", id)
		}
		seen[id] = true
	}
}

func TestGenerateCancelled(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := Generate(context.Background(), DefaultConfig(50, 1), dir, Options{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Generate(ctx, DefaultConfig(20000, 1), dir, Options{}); err == nil {
		t.Fatalf("a cancelled run succeeded")
	}
	if _, err := ReadManifest(dir); err == nil {
		t.Errorf("a cancelled run left a manifest behind")
	}
}

func FuzzReadManifest(f *testing.F) {
	f.Add([]byte(`{"seed":1,"people":2,"datasets":[{"id":"a","file":"a.csv","schema":"a.schema.json"}],"truth":"truth.csv"}`))
	f.Add([]byte(`{"truth":"../etc/passwd"}`))
	f.Add([]byte(`{"truth":"/etc/passwd"}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		for _, n := range []string{"truth.csv", "a.csv", "a.schema.json"} {
			os.WriteFile(filepath.Join(dir, n), nil, 0o644)
		}
		if err := os.WriteFile(filepath.Join(dir, ManifestFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := ReadManifest(dir)
		if err != nil {
			return
		}
		for _, p := range append([]string{m.Truth}, filesOf(m)...) {
			if !filepath.IsLocal(p) {
				t.Fatalf("accepted a path outside the folder: %q", p)
			}
		}
	})
}

func filesOf(m *Manifest) []string {
	var out []string
	for _, d := range m.Datasets {
		out = append(out, d.File, d.Schema)
	}
	return out
}

// TestDemoConfig checks that the demo's county differs from the
// Essex-like default only in the event rates it scales up, and that those
// datasets then hold about that many times the records (the household
// stream after a scaled dataset changes, so only the order of magnitude
// is checked) while the school census, which no rate drives, keeps its
// pupils.
func TestDemoConfig(t *testing.T) {
	def, dem := DefaultConfig(3000, 11), DemoConfig(3000, 11)
	for id, d := range def.Datasets {
		got, scale := dem.Datasets[id], demoRateScales[id]
		if scale == 0 {
			scale = 1
		}
		if want := d.RateScale * scale; got.RateScale != want || got.ErrorScale != d.ErrorScale || got.NHSPresent != d.NHSPresent {
			t.Errorf("%s: demo settings %+v, want the default %+v with rate scale %v", id, got, d, want)
		}
	}
	if err := dem.Validate(); err != nil {
		t.Fatal(err)
	}
	rows := func(cfg Config) map[string]int64 {
		_, st, err := Generate(context.Background(), cfg, t.TempDir(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		return st.Rows
	}
	before, after := rows(def), rows(dem)
	for id, scale := range demoRateScales {
		ratio := float64(after[id]) / float64(before[id])
		if ratio < scale/2 || ratio > scale*2 {
			t.Errorf("%s: %d records in the demo county, %d in the default: ×%.1f, want about ×%v", id, after[id], before[id], ratio, scale)
		}
	}
	if after["school_census"] != before["school_census"] {
		t.Errorf("school census: %d pupil records in the demo county, %d in the default: want the same pupils", after["school_census"], before["school_census"])
	}
}
