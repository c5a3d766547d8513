package synth

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/civiclink/civiclink/internal/pseudo/normalise"
)

const testPeople = 6000

var (
	genOnce sync.Once
	genDir  string
	genMan  *Manifest
	genSt   *Stats
	genErr  error
)

// county generates one test county, shared by the tests of this file.
func county(tb testing.TB) (string, *Manifest, *Stats) {
	tb.Helper()
	genOnce.Do(func() {
		genDir, genErr = os.MkdirTemp("", "synth-test-")
		if genErr != nil {
			return
		}
		genMan, genSt, genErr = Generate(context.Background(), DefaultConfig(testPeople, 42), genDir, Options{})
	})
	if genErr != nil {
		tb.Fatalf("Generate: %v", genErr)
	}
	return genDir, genMan, genSt
}

func TestMain(m *testing.M) {
	code := m.Run()
	if genDir != "" {
		os.RemoveAll(genDir)
	}
	os.Exit(code)
}

func readAll(tb testing.TB, path string) [][]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return recs
}

func TestDeterministic(t *testing.T) {
	dir, _, _ := county(t)
	cfg := DefaultConfig(testPeople, 42)
	cfg.Workers = 1 // a different worker count must not change a byte
	other := t.TempDir()
	if _, _, err := Generate(context.Background(), cfg, other, Options{}); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		a, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		b, err := os.ReadFile(filepath.Join(other, e.Name()))
		if err != nil {
			t.Fatalf("%s missing from the second run: %v", e.Name(), err)
		}
		if e.Name() == ManifestFile {
			continue // holds no paths, but compare it too below
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between runs with the same settings", e.Name())
		}
	}
	cfg.Seed = 43
	third := t.TempDir()
	if _, _, err := Generate(context.Background(), cfg, third, Options{}); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "people.csv"))
	b, _ := os.ReadFile(filepath.Join(third, "people.csv"))
	if bytes.Equal(a, b) {
		t.Errorf("a different seed gave the same people")
	}
}

func TestTruthCoversEveryRecord(t *testing.T) {
	dir, man, _ := county(t)
	truth := map[string]string{}
	for i, r := range readAll(t, filepath.Join(dir, man.Truth))[1:] {
		key := r[0] + "/" + r[1]
		if _, dup := truth[key]; dup {
			t.Fatalf("truth row %d repeats %s", i+2, key)
		}
		truth[key] = r[2]
	}
	people := map[string]bool{}
	for _, r := range readAll(t, filepath.Join(dir, man.Population))[1:] {
		people[r[0]] = true
	}
	if got := len(people); got != testPeople {
		t.Errorf("people.csv: got %d people, want %d", got, testPeople)
	}
	total := 0
	for _, d := range man.Datasets {
		recs := readAll(t, filepath.Join(dir, d.File))
		if got := int64(len(recs) - 1); got != d.Rows {
			t.Errorf("%s: manifest says %d rows, file has %d", d.ID, d.Rows, got)
		}
		for _, r := range recs[1:] {
			p, ok := truth[d.ID+"/"+r[0]]
			if !ok {
				t.Fatalf("%s record %s is not in the truth", d.ID, r[0])
			}
			if !people[p] {
				t.Fatalf("%s record %s belongs to unknown person %s", d.ID, r[0], p)
			}
			total++
		}
		if d.Rows == 0 {
			t.Errorf("%s has no rows", d.ID)
		}
	}
	if total != len(truth) {
		t.Errorf("truth has %d rows, datasets %d", len(truth), total)
	}
}

func TestManifestRoundTrip(t *testing.T) {
	dir, man, _ := county(t)
	got, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Seed != 42 || got.People != testPeople || len(got.Datasets) != len(man.Datasets) || len(got.Partners) == 0 {
		t.Errorf("ReadManifest: got seed %d people %d datasets %d", got.Seed, got.People, len(got.Datasets))
	}
	for _, d := range got.Datasets {
		s, err := got.ReadSchema(d)
		if err != nil {
			t.Errorf("%s schema: %v", d.ID, err)
			continue
		}
		if _, ok := s.RecordID(); !ok {
			t.Errorf("%s schema has no record id", d.ID)
		}
	}
	if _, err := ReadManifest(t.TempDir()); err == nil {
		t.Errorf("ReadManifest of an empty folder succeeded")
	}
}

// TestDistributions checks the people against the settings: district
// shares, age bands, sex, surname head and tail, and NHS numbers.
func TestDistributions(t *testing.T) {
	dir, man, _ := county(t)
	w, err := newWorld(DefaultConfig(testPeople, 42))
	if err != nil {
		t.Fatal(err)
	}
	recs := readAll(t, filepath.Join(dir, man.Population))
	head := recs[0]
	col := func(name string) int {
		for i, h := range head {
			if h == name {
				return i
			}
		}
		t.Fatalf("people.csv has no %s", name)
		return -1
	}
	lad, dob, sur, nhs := col("first_lad"), col("dob"), col("surname"), col("nhs_number")
	lsoa, pc := col("first_lsoa"), col("first_postcode")
	n := float64(len(recs) - 1)
	ladN := map[string]float64{}
	bands := make([]float64, len(agePyramid))
	surN := map[string]float64{}
	tail := 0.0
	for _, r := range recs[1:] {
		ladN[r[lad]]++
		y, _ := strconv.Atoi(r[dob][:4])
		m, _ := strconv.Atoi(r[dob][5:7])
		d, _ := strconv.Atoi(r[dob][8:])
		age := ageOn(dayOf(y, m, d), w.end)
		bands[min(age/5, len(bands)-1)]++
		surN[r[sur]]++
		if !w.names.head[r[sur]] {
			tail++
		}
		if l, ok := w.county.LADOfLSOA(r[lsoa]); !ok || l != r[lad] {
			t.Fatalf("person %s: LSOA %s is in %s, not %s", r[0], r[lsoa], l, r[lad])
		}
		if !servesDistrict(w, r[pc], r[lad]) {
			t.Fatalf("person %s: postcode %s does not serve %s", r[0], r[pc], r[lad])
		}
		if _, err := normalise.NHSNumber(r[nhs]); err != nil {
			t.Fatalf("person %s: NHS number %s: %v", r[0], r[nhs], err)
		}
	}
	// Sampling error of a share p over n people is sqrt(p(1-p)/n); allow
	// four of those plus a small bias for household clustering.
	tol := func(p float64, cluster float64) float64 { return 4*math.Sqrt(p*(1-p)/n)*cluster + 0.003 }
	total := float64(w.county.Population())
	for _, l := range w.county.LADs {
		want := float64(l.Population) / total
		got := ladN[l.Code] / n
		if math.Abs(got-want) > tol(want, 1.6) {
			t.Errorf("district %s share: got %.4f, want %.4f ± %.4f", l.Name, got, want, tol(want, 1.6))
		}
	}
	for i, want := range pyramidShares() {
		got := bands[i] / n
		if math.Abs(got-want) > tol(want, 1.3) {
			t.Errorf("age band %d–%d: got %.4f, want %.4f", 5*i, 5*i+4, got, want)
		}
	}
	// Surnames are shared within households (about 2.4 people), so widen.
	for _, s := range []string{"Smith", "Jones"} {
		want := w.names.surnames.prob(s)
		got := surN[s] / n
		if math.Abs(got-want) > tol(want, 2.5) {
			t.Errorf("surname %s: got %.4f, want %.4f", s, got, want)
		}
	}
	wantTail := 1 - w.names.headMass
	if got := tail / n; math.Abs(got-wantTail) > 0.05 {
		t.Errorf("share outside the 500 reference surnames: got %.3f, want %.3f", got, wantTail)
	}
	if got := len(surN); got < 1000 {
		t.Errorf("only %d distinct surnames among %d people: no long tail", got, int(n))
	}
}

// TestErrorRates checks each error kind's rate per dataset against the
// setting, and checks the truth labels against the records themselves.
func TestErrorRates(t *testing.T) {
	_, man, st := county(t)
	w, err := newWorld(man.Settings)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range w.ds {
		for k := range numKinds {
			el, ap := st.Eligible[d.id][k], st.Applied[d.id][k]
			if el < 200 {
				continue
			}
			want := w.rates[i][k]
			got := float64(ap) / float64(el)
			tol := 4*math.Sqrt(want*(1-want)/float64(el)) + 0.002
			if math.Abs(got-want) > tol {
				t.Errorf("%s %s: got %.4f over %d, want %.4f ± %.4f", d.id, ErrorKind(k), got, el, want, tol)
			}
		}
	}
	if st.Applied["police_incidents"][Nickname] == 0 || st.Applied["ae_attendances"][NHSWrong] == 0 {
		t.Errorf("expected nicknames in police records and wrong NHS numbers in A&E")
	}
}

// TestErrorLabels compares records with the people they are about: a
// record without errors matches exactly; labelled errors are visible.
func TestErrorLabels(t *testing.T) {
	dir, man, _ := county(t)
	people := map[string][]string{}
	for _, r := range readAll(t, filepath.Join(dir, man.Population))[1:] {
		people[r[0]] = r
	}
	truth := map[string][2]string{}
	for _, r := range readAll(t, filepath.Join(dir, man.Truth))[1:] {
		truth[r[0]+"/"+r[1]] = [2]string{r[2], r[3]}
	}
	recs := readAll(t, filepath.Join(dir, "police_incidents.csv"))
	checked := map[string]int{}
	for _, r := range recs[1:] {
		tr := truth["police_incidents/"+r[0]]
		p := people[tr[0]]
		fore, sur, dob := r[6], r[7], r[8]
		errs := tr[1]
		switch {
		case errs == "":
			if fore != p[1] || sur != p[2] || dob != p[5] {
				t.Fatalf("record %s has no errors but reads %s %s %s, not %s %s %s", r[0], fore, sur, dob, p[1], p[2], p[5])
			}
			checked["clean"]++
		case errs == "name_swap":
			if fore != p[2] || sur != p[1] {
				t.Errorf("record %s labelled name_swap reads %s %s for %s %s", r[0], fore, sur, p[1], p[2])
			}
			checked[errs]++
		case errs == "dob_transposed":
			want := p[5][:5] + p[5][8:10] + "-" + p[5][5:7]
			if dob != want || fore != p[1] {
				t.Errorf("record %s labelled dob_transposed has %s, want %s", r[0], dob, want)
			}
			checked[errs]++
		case errs == "case_noise":
			if !strings.EqualFold(fore, p[1]) || fore == p[1] && sur == p[2] {
				t.Errorf("record %s labelled case_noise reads %s %s for %s %s", r[0], fore, sur, p[1], p[2])
			}
			checked[errs]++
		case errs == "nickname":
			if fore == p[1] || sur != p[2] {
				t.Errorf("record %s labelled nickname reads %s %s for %s %s", r[0], fore, sur, p[1], p[2])
			}
			checked[errs]++
		}
	}
	for _, k := range []string{"clean", "case_noise", "nickname"} {
		if checked[k] == 0 {
			t.Errorf("no police record checked for %s", k)
		}
	}
}

// servesDistrict reports whether a postcode's district has residents in
// the LAD by the approximate table.
func servesDistrict(w *world, postcode, lad string) bool {
	d, ok := w.county.PostcodeDistrict(strings.Fields(postcode)[0])
	if !ok {
		return false
	}
	for _, s := range d.Shares {
		if s.LADCode == lad {
			return true
		}
	}
	return false
}
