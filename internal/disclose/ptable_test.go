package disclose

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParsePTableRefusesMalformed(t *testing.T) {
	const head = "count,perturbed,probability\n"
	cases := []struct {
		name, text, want string
	}{
		{"empty", "", "line 0: empty"},
		{"header", "i,j,p\n0,0,1\n", "line 1: the header must be count,perturbed,probability"},
		{"no rows", head, "no rows"},
		{"fields", head + "0,0\n", "line 2: want 3 fields"},
		{"count", head + "x,0,1\n", `line 2: count "x" is not a whole number`},
		{"negative published", head + "0,-1,1\n", `line 2: perturbed count "-1"`},
		{"probability", head + "0,0,1.5\n", `line 2: probability "1.5" is not a number in [0, 1]`},
		{"nan", head + "0,0,NaN\n", `line 2: probability "NaN"`},
		{"finer than the keys", head + "0,0,0.999999\n0,1,0.000001\n", `line 3: probability 0.000001 is below 1/65,536`},
		{"sum", head + "0,0,1\n1,0,0.5\n1,1,0.4\n", "line 3: the probabilities of count 1 sum to 0.9, not 1"},
		{"gap", head + "0,0,1\n2,2,1\n", "line 3: count 2 is out of order"},
		{"repeat", head + "0,0,0.5\n0,0,0.5\n", "line 3: count 0, perturbed 0 is repeated (first on line 2)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParsePTable("p.csv", strings.NewReader(c.text))
			if err == nil {
				t.Fatalf("accepted %q", c.text)
			}
			if !strings.Contains(err.Error(), "perturbation table p.csv") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %q, want it to name the file and say %q", err, c.want)
			}
		})
	}
}

func TestLoadPTableNamesFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mine.csv")
	if err := os.WriteFile(path, []byte("count,perturbed,probability\n0,0,1\n1,1,0.7\n1,2,0.2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadPTable(path)
	if err == nil || !strings.Contains(err.Error(), "mine.csv line 3") {
		t.Errorf("got %v, want the file and row named", err)
	}
	if _, err := LoadPTable(filepath.Join(dir, "none.csv")); err == nil {
		t.Error("a missing file was accepted")
	}
}

// TestDefaultPTable checks the shipped table: zeros stay zero, every row is
// unbiased, and perturbations drawn with random keys follow the published
// probabilities.
func TestDefaultPTable(t *testing.T) {
	pt := DefaultPTable()
	if got := pt.MaxPerturbation(); got != 6 {
		t.Errorf("largest perturbation %d, want 6 (the rare tail)", got)
	}
	if got := pt.Likely(0.01).MaxPerturbation(); got != 3 {
		t.Errorf("largest likely perturbation %d, want 3", got)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	for _, n := range []int64{0, 1, 2, 3, 5, 9, 10, 250} {
		const draws = 400000
		seen := map[int64]int{}
		sum := 0.0
		for range draws {
			v := pt.Perturbation(n, rng.Uint64())
			if n+v < 0 {
				t.Fatalf("count %d published as %d", n, n+v)
			}
			seen[v]++
			sum += float64(v)
		}
		if mean := sum / draws; math.Abs(mean) > 0.02 {
			t.Errorf("count %d: mean perturbation %.3f, want 0 (unbiased)", n, mean)
		}
		if n == 0 {
			if seen[0] != draws {
				t.Errorf("zero was perturbed: %v", seen)
			}
			continue
		}
		// Every count can reach 0 and count+6, rarely: no published figure
		// bounds a count tightly.
		for _, v := range []int64{-min(n, 6), 6} {
			if seen[v] == 0 {
				t.Errorf("count %d never moved by %d in %d draws: %v", n, v, draws, seen)
			}
		}
		if n >= 6 {
			for v, p := range map[int64]float64{-6: .002, -4: .002, -3: .10, -2: .15, -1: .15, 0: .188, 1: .15, 2: .15, 3: .10, 5: .002} {
				if got := float64(seen[v]) / draws; math.Abs(got-p) > 0.005 {
					t.Errorf("count %d: perturbation %d drawn %.4f of the time, want %.3f", n, v, got, p)
				}
			}
		}
	}
}

func FuzzParsePTable(f *testing.F) {
	f.Add(defaultPTable)
	f.Add("count,perturbed,probability\n0,0,1\n")
	f.Add("count,perturbed,probability\n0,0,0.5\n0,1,0.5\n1,0,1\n")
	f.Fuzz(func(t *testing.T, text string) {
		pt, err := ParsePTable("fuzz", strings.NewReader(text))
		if err != nil {
			return
		}
		for n := int64(0); n < 20; n++ {
			for _, k := range []uint64{0, 1, KeySpace / 2, KeySpace - 1, math.MaxUint64} {
				if v := pt.Perturbation(n, k); n+v < 0 {
					t.Fatalf("count %d published negative (%d)", n, n+v)
				}
			}
		}
	})
}

func TestPreimage(t *testing.T) {
	pt := DefaultPTable()
	if lo, hi, _ := pt.Likely(0.01).Preimage(10, 10); lo != 7 || hi != 13 {
		t.Errorf("likely preimage of a shown 10: %d…%d, want 7…13", lo, hi)
	}
	for _, tc := range []struct {
		name           string
		lo, hi         int64
		wantLo, wantHi int64
		wantOK         bool
	}{
		{"a shown zero", 0, 0, 0, 6, true},
		{"a shown 10", 10, 10, 4, 16, true},
		{"a withheld count under 10", 1, 9, 1, 15, true},
		{"a rounded 20", 18, 22, 12, 28, true},
		{"nothing", 5, 4, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lo, hi, ok := pt.Preimage(tc.lo, tc.hi)
			if lo != tc.wantLo || hi != tc.wantHi || ok != tc.wantOK {
				t.Errorf("Preimage(%d, %d) = %d, %d, %v; want %d, %d, %v", tc.lo, tc.hi, lo, hi, ok, tc.wantLo, tc.wantHi, tc.wantOK)
			}
		})
	}
}
