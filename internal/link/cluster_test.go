package link

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func testEngine(t *testing.T, cfg Config, datasets ...Dataset) *engine {
	t.Helper()
	tb, err := newTable(datasets)
	if err != nil {
		t.Fatal(err)
	}
	return &engine{cfg: cfg.withDefaults(), t: tb, dedupe: cfg.Dedupe || len(datasets) == 1, sortEntries: 1 << 20, pairMem: 1 << 30}
}

func ids(prefix string, n int) Dataset {
	ds := Dataset{Name: prefix, Fields: []string{"f"}}
	for i := range n {
		ds.Records = append(ds.Records, Record{ID: prefix + string(rune('a'+i)), Values: []string{""}})
	}
	return ds
}

func TestClusterGuards(t *testing.T) {
	// A chain 0=1 (strong), 2=3 (strong), 1-2 (weak link between them).
	pairs := []Pair{{A: 0, B: 1}, {A: 2, B: 3}, {A: 1, B: 2}}
	weights := []float64{10, 9, 1}
	tests := []struct {
		name     string
		cluster  ClusterSpec
		clusters int
		refused  int
	}{
		{"connected components", ClusterSpec{}, 1, 0},
		{"density guard", ClusterSpec{MinDensity: 0.5}, 2, 1},
		{"low density allows", ClusterSpec{MinDensity: 0.25}, 1, 0},
		{"size cap", ClusterSpec{MaxSize: 3}, 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEngine(t, Config{Cluster: tt.cluster}, ids("r", 4))
			names, rep := e.cluster(pairsFrom(pairs), weights, []int32{0, 1, 2})
			if got := rep.Clusters; got != tt.clusters {
				t.Errorf("clusters = %d, want %d", got, tt.clusters)
			}
			if got := rep.RefusedDensity + rep.RefusedSize; got != tt.refused {
				t.Errorf("refused = %d, want %d", got, tt.refused)
			}
			if names[1] != 0 {
				t.Errorf("record 1 named by %d, want 0 (smallest id of its cluster)", names[1])
			}
		})
	}
}

func TestClusterOneToOne(t *testing.T) {
	// a0 and a1 both resemble b0; a0 more so. One-to-one keeps only a0~b0.
	e := testEngine(t, Config{OneToOne: true}, ids("a", 2), ids("b", 1))
	pairs := []Pair{{A: 1, B: 2}, {A: 0, B: 2}}
	names, rep := e.cluster(pairsFrom(pairs), []float64{3, 5}, []int32{0, 1})
	if got, want := rep.RefusedOneToOne, 1; got != want {
		t.Errorf("refused one-to-one = %d, want %d", got, want)
	}
	if names[2] != 0 || names[1] != 1 {
		t.Errorf("cluster names = %v, want b joined to a0 and a1 alone", names)
	}
}

// fakeComparer has n levels and compares nothing: EM tests feed vectors.
type fakeComparer int

func (f fakeComparer) Levels() []Level      { return make([]Level, int(f)) }
func (f fakeComparer) Compare(_, _ int) int { return 0 }

func TestEMRecoversM(t *testing.T) {
	// Two comparisons of levels null, agree, disagree, generated as the
	// exact expected counts of a mixture with known m, u and λ.
	m := [][]float64{{0, 0.9, 0.1}, {0, 0.8, 0.2}}
	u := [][]float64{{0, 0.05, 0.95}, {0, 0.1, 0.9}}
	m = append(m, []float64{0, 0.7, 0.3})
	u = append(u, []float64{0, 0.2, 0.8})
	lambda, total := 0.2, 1e6
	var ps []pattern
	for l0 := 1; l0 <= 2; l0++ {
		for l1 := 1; l1 <= 2; l1++ {
			for l2 := 1; l2 <= 2; l2++ {
				pm := lambda * m[0][l0] * m[1][l1] * m[2][l2]
				pu := (1 - lambda) * u[0][l0] * u[1][l1] * u[2][l2]
				ps = append(ps, pattern{Vector(l0 | l1<<4 | l2<<8), (pm + pu) * total})
			}
		}
	}
	e := &engine{cfg: Config{EMIterations: 500}, comps: []Comparer{fakeComparer(3), fakeComparer(3), fakeComparer(3)}}
	gotM, gotL, _, _ := e.em(ps, [][]float64{{0, 0.3, 0.7}, {0, 0.3, 0.7}, {0, 0.3, 0.7}})
	if math.Abs(gotL-lambda) > 0.01 {
		t.Errorf("λ = %.4f, want %.4f", gotL, lambda)
	}
	for k := range m {
		if math.Abs(gotM[k][1]-m[k][1]) > 0.02 {
			t.Errorf("m[%d][agree] = %.4f, want %.4f", k, gotM[k][1], m[k][1])
		}
	}
}

func TestChooseThreshold(t *testing.T) {
	// Probabilities 0.99, 0.9, 0.5, 0.1: means 0.99, 0.945, 0.797, 0.6225.
	ws := []float64{weightOf(0.5), weightOf(0.99), weightOf(0.1), weightOf(0.9)}
	tests := []struct{ target, want float64 }{{0.95, 0.99}, {0.94, 0.9}, {0.7, 0.5}}
	for _, tt := range tests {
		if got := chooseThreshold(ws, tt.target); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("chooseThreshold(target %v) = %v, want %v", tt.target, got, tt.want)
		}
	}
}

// TestChooseThresholdLikeSorting checks the bucketed threshold search
// against scanning all weights sorted, on many weights with ties.
func TestChooseThresholdLikeSorting(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	ws := make([]float64, 200000)
	for i := range ws {
		ws[i] = rng.NormFloat64()*6 + 4
		if i%3 == 0 {
			ws[i] = float64(rng.IntN(30) - 10) // ties
		}
	}
	sorted := slices.Clone(ws)
	slices.Sort(sorted)
	for _, target := range []float64{0.5, 0.9, 0.95, 0.99, 0.999, 0.99999} {
		var sum float64
		want := 0.5
		for i := range sorted {
			p := Probability(sorted[len(sorted)-1-i])
			sum += p
			if sum/float64(i+1) < target {
				break
			}
			want = p
		}
		if got := chooseThreshold(ws, target); math.Abs(got-want) > 1e-12 {
			t.Errorf("target %v: threshold %v, want %v", target, got, want)
		}
	}
}
