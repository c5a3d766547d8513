package link

import (
	"cmp"
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

func people(name string, rows ...[3]string) Dataset {
	ds := Dataset{Name: name, Fields: []string{"surname", "dob"}}
	for _, r := range rows {
		ds.Records = append(ds.Records, Record{ID: r[0], Values: []string{r[1], r[2]}})
	}
	return ds
}

func TestBlockingUnionAndCap(t *testing.T) {
	ds := people("p",
		[3]string{"1", "smith", "1970-01-01"},
		[3]string{"2", "smith", "1970-01-01"},
		[3]string{"3", "smith", "1980-05-05"},
		[3]string{"4", "jones", "1980-05-05"},
		[3]string{"5", "", "1980-05-05"},
	)
	cfg := Config{
		Comparisons: []ComparisonSpec{{Field: "surname", Kind: "exact"}},
		Blocking: []BlockingRule{
			{Name: "surname", Keys: []KeyPart{{Field: "surname"}}},
			{Name: "dob", Keys: []KeyPart{{Field: "dob"}}},
		},
	}
	tests := []struct {
		name            string
		cap             int
		pairs, perRule0 int
		skipped         int
		largestKey      string
	}{
		// surname: 1-2, 1-3, 2-3; dob: 1-2 (already), 3-4, 3-5, 4-5.
		{"no cap hit", 10, 6, 3, 0, "smith"},
		// A cap of 2 skips smith and 1980-05-05, so dob's 1-2 counts as new.
		{"cap", 2, 1, 0, 1, "smith"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg.MaxBlockSize = tt.cap
			e := testEngine(t, cfg, ds)
			b, err := e.block()
			if err != nil {
				t.Fatal(err)
			}
			pairs, err := e.candidates(b)
			if err != nil {
				t.Fatal(err)
			}
			rep := b.report
			if got := pairs.Len(); got != tt.pairs {
				t.Errorf("candidate pairs = %d, want %d", got, tt.pairs)
			}
			if got := rep.Rules[0].Pairs; got != tt.perRule0 {
				t.Errorf("surname rule pairs = %d, want %d", got, tt.perRule0)
			}
			if got := rep.Rules[0].Skipped; got != tt.skipped {
				t.Errorf("skipped blocks = %d, want %d", got, tt.skipped)
			}
			if got := rep.Rules[0].Largest[0].Key; got != tt.largestKey {
				t.Errorf("largest block key = %q, want %q", got, tt.largestKey)
			}
			seen := map[[2]int32]bool{}
			for _, p := range pairs.All() {
				if p.A >= p.B || seen[[2]int32{p.A, p.B}] {
					t.Errorf("pair %v is out of order or repeated", p)
				}
				seen[[2]int32{p.A, p.B}] = true
			}
		})
	}
}

func TestBlockingCrossOnly(t *testing.T) {
	a := people("a", [3]string{"1", "smith", "x"}, [3]string{"2", "smith", "x"})
	b := people("b", [3]string{"1", "smith", "x"})
	cfg := Config{
		Comparisons: []ComparisonSpec{{Field: "surname", Kind: "exact"}},
		Blocking:    []BlockingRule{{Keys: []KeyPart{{Field: "surname"}}}},
	}
	for _, dedupe := range []bool{false, true} {
		cfg.Dedupe = dedupe
		e := testEngine(t, cfg, a, b)
		bl, _ := e.block()
		pairs, err := e.candidates(bl)
		if err != nil {
			t.Fatal(err)
		}
		got, want := pairs.Len(), 2
		if dedupe {
			want = 3
		}
		if got != want {
			t.Errorf("dedupe %v: %d pairs, want %d", dedupe, got, want)
		}
		if e.allPairs() != float64(want) {
			t.Errorf("dedupe %v: pair space %v, want %d", dedupe, e.allPairs(), want)
		}
	}
}

func TestTransforms(t *testing.T) {
	tests := []struct {
		v    string
		k    KeyPart
		want string
	}{
		{"harrington", KeyPart{Transform: "prefix", N: 3}, "har"},
		{"jo", KeyPart{Transform: "prefix", N: 3}, "jo"},
		{"robert", KeyPart{Transform: "soundex"}, "R163"},
		{"1971-06-24", KeyPart{Transform: "year"}, "1971"},
		{"19710624", KeyPart{Transform: "year_month"}, "197106"},
		{"24/06/1971", KeyPart{Transform: "month_day"}, "0624"},
		{"cm1 2ab", KeyPart{Transform: "postcode_district"}, "CM1"},
		{"cm14 2ab", KeyPart{Transform: "postcode_district"}, "CM14"},
		{"4011", KeyPart{Transform: "postcode_district", N: 2}, "40"},
		{"mary anne", KeyPart{Transform: "sorted_tokens"}, "anne mary"},
		{"not a date", KeyPart{Transform: "year"}, ""},
	}
	for _, tt := range tests {
		if got := transform(tt.v, tt.k); got != tt.want {
			t.Errorf("transform(%q, %+v) = %q, want %q", tt.v, tt.k, got, tt.want)
		}
	}
}

// TestTermFrequency links records where smith is common and zebedee rare:
// exact agreement on zebedee must weigh more, and every explanation must
// add up to the pair's weight.
func TestTermFrequency(t *testing.T) {
	ds := Dataset{Name: "p", Fields: []string{"surname", "town"}}
	add := func(id, s, town string) {
		ds.Records = append(ds.Records, Record{ID: id, Values: []string{s, town}})
	}
	for i := range 30 {
		add("s"+itoa(i), "smith", "town"+itoa(i%10))
	}
	add("z1", "zebedee", "town1")
	add("z2", "zebedee", "town2")
	cfg := Config{
		Comparisons: []ComparisonSpec{{Field: "surname", Kind: "exact", TF: true}, {Field: "town", Kind: "exact"}},
		Blocking:    []BlockingRule{{Keys: []KeyPart{{Field: "surname"}}}},
	}
	res, err := Link(context.Background(), []Dataset{ds}, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	z, err := res.ExplainRefs(RecordRef{ID: "z1"}, RecordRef{ID: "z2"})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := res.ExplainRefs(RecordRef{ID: "s1"}, RecordRef{ID: "s2"})
	if z.Terms[0].TFAdjustment <= 0 || s.Terms[0].TFAdjustment >= 0 {
		t.Errorf("tf adjustments zebedee %+.2f, smith %+.2f: want rare positive, common negative", z.Terms[0].TFAdjustment, s.Terms[0].TFAdjustment)
	}
	if z.Weight <= s.Weight {
		t.Errorf("zebedee pair weight %.2f <= smith pair weight %.2f", z.Weight, s.Weight)
	}
	for _, x := range []Explanation{z, s} {
		sum := x.PriorWeight
		for _, term := range x.Terms {
			sum += term.Weight + term.TFAdjustment
		}
		if math.Abs(sum-x.Weight) > 1e-9 {
			t.Errorf("terms add to %v, weight is %v", sum, x.Weight)
		}
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestConfigValidation(t *testing.T) {
	good := `{"comparisons":[{"field":"a","kind":"exact"}],"blocking":[{"keys":[{"field":"a"}]}]}`
	if _, err := ParseConfig([]byte(good)); err != nil {
		t.Fatalf("good config: %v", err)
	}
	bad := map[string]string{
		"unknown field":    `{"comparisons":[{"field":"a","kind":"exact"}],"blocking":[{"keys":[{"field":"a"}]}],"nope":1}`,
		"unknown kind":     `{"comparisons":[{"field":"a","kind":"fuzzy"}],"blocking":[{"keys":[{"field":"a"}]}]}`,
		"no blocking":      `{"comparisons":[{"field":"a","kind":"exact"}]}`,
		"prefix without n": `{"comparisons":[{"field":"a","kind":"exact"}],"blocking":[{"keys":[{"field":"a","transform":"prefix"}]}]}`,
		"truth used":       `{"comparisons":[{"field":"c","kind":"exact"}],"blocking":[{"keys":[{"field":"a"}]}],"truth":{"column":"c"}}`,
		"threshold 1":      `{"comparisons":[{"field":"a","kind":"exact"}],"blocking":[{"keys":[{"field":"a"}]}],"threshold":1}`,
		"duplicate name":   `{"comparisons":[{"field":"a","kind":"exact"},{"field":"a","kind":"date"}],"blocking":[{"keys":[{"field":"a"}]}]}`,
	}
	for name, c := range bad {
		if _, err := ParseConfig([]byte(c)); err == nil {
			t.Errorf("%s: no error, want one", name)
		}
	}
	for _, f := range []string{"febrl.json", "fake_1000.json"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "examples", f))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseConfig(data); err != nil {
			t.Errorf("examples/%s: %v", f, err)
		}
	}
}

// TestRuleMaxBlockSize checks a rule's own cap: blocks over it are skipped
// and reported under that rule, while the config's cap holds elsewhere.
func TestRuleMaxBlockSize(t *testing.T) {
	ds := Dataset{Name: "d", Fields: []string{"k"}}
	for i, k := range []string{"x", "x", "x", "x", "x", "y", "y"} {
		ds.Records = append(ds.Records, Record{ID: strconv.Itoa(i), Values: []string{k}})
	}
	for _, c := range []struct {
		name              string
		ruleCap           int
		wantPairs, wantSk int
	}{
		{"config cap", 0, 10 + 1, 0},
		{"rule cap", 3, 1, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := Config{
				Comparisons: []ComparisonSpec{{Field: "k", Kind: "exact"}},
				Blocking:    []BlockingRule{{Keys: []KeyPart{{Field: "k"}}, MaxBlockSize: c.ruleCap}},
			}
			res, err := Link(context.Background(), []Dataset{ds}, cfg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Pairs.Len(); got != c.wantPairs {
				t.Errorf("%d candidate pairs, want %d", got, c.wantPairs)
			}
			if got := res.Blocking.Rules[0].Skipped; got != c.wantSk {
				t.Errorf("%d blocks skipped, want %d", got, c.wantSk)
			}
		})
	}
}

// TestSortKeyed checks the radix sort against a comparison sort, on sizes
// either side of the switch and with many equal keys.
func TestSortKeyed(t *testing.T) {
	for _, n := range []int{0, 1, 100, 5000, 70000} {
		rng := rand.New(rand.NewPCG(uint64(n), 9))
		ks := make([]keyed, n)
		for i := range ks {
			ks[i] = keyed{rng.Uint64() % uint64(max(1, n/3)) * 0x9e3779b97f4a7c15, int32(i)}
		}
		want := slices.Clone(ks)
		slices.SortFunc(want, func(x, y keyed) int { return cmp.Or(cmp.Compare(x.k, y.k), cmp.Compare(x.i, y.i)) })
		sortKeyed(ks)
		if !slices.Equal(ks, want) {
			t.Errorf("n=%d: radix order differs from comparison order", n)
		}
	}
}

// TestOrderByWeight checks the radix order of matches against the
// comparison order clustering used (weight descending, then A, then B),
// and that the matches are put back in ascending order after.
func TestOrderByWeight(t *testing.T) {
	for _, n := range []int{0, 3, 5000, 40000} {
		rng := rand.New(rand.NewPCG(uint64(n), 11))
		pairs := make([]Pair, n)
		weights := make([]float64, n)
		matched := make([]int32, 0, n)
		for k := range pairs {
			a := int32(rng.IntN(1000))
			pairs[k] = Pair{A: a, B: a + 1 + int32(k)}
			weights[k] = float64(rng.IntN(40)-20) / 4 // many ties, negatives
			if k%2 == 0 {
				weights[k] = rng.NormFloat64() * 8 // and weights in many buckets
			}
			if rng.IntN(3) > 0 {
				matched = append(matched, int32(k))
			}
		}
		want := slices.Clone(matched)
		slices.SortFunc(want, func(x, y int32) int {
			return cmp.Or(cmp.Compare(weights[y], weights[x]), cmp.Compare(pairs[x].A, pairs[y].A), cmp.Compare(pairs[x].B, pairs[y].B))
		})
		asc := slices.Clone(matched)
		set := orderByWeight(matched, weights, pairsFrom(pairs), 2)
		if !slices.Equal(matched, want) {
			t.Errorf("n=%d: radix order differs from comparison order", n)
		}
		if ascending(matched, set); !slices.Equal(matched, asc) {
			t.Errorf("n=%d: the matches were not put back in ascending order", n)
		}
	}
}

// TestSortedKeysSpill checks the external sort against the in-memory one:
// the same (key, record) order whatever the run size, missing keys left
// out.
func TestSortedKeysSpill(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	keys := make([]uint64, 20000)
	for i := range keys {
		if rng.IntN(5) > 0 {
			keys[i] = rng.Uint64()%3000 + 1
		}
	}
	collect := func(run int) ([]keyed, int) {
		var out []keyed
		spilled, err := sortedKeys(keys, run, t.TempDir(), func(k uint64, i int32) { out = append(out, keyed{k, i}) })
		if err != nil {
			t.Fatal(err)
		}
		return out, spilled
	}
	want, spilled := collect(len(keys))
	if spilled != 0 || len(want) == 0 {
		t.Fatalf("in memory: %d entries, %d runs spilled", len(want), spilled)
	}
	for _, run := range []int{1, 7, 1000, 4096} {
		got, spilled := collect(run)
		if spilled < 2 {
			t.Errorf("run of %d: %d runs spilled, want several", run, spilled)
		}
		if !slices.Equal(got, want) {
			t.Errorf("run of %d: spilled order differs from the in-memory one", run)
		}
	}
}
