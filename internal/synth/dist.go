package synth

import (
	"math"
	"math/rand/v2"
	"sort"
)

// dist is a discrete distribution over strings, sampled by inverse CDF.
type dist struct {
	names []string
	cum   []float64 // cumulative weights, last = total
}

// weighted is a name and its weight while a distribution is built.
type weighted struct {
	name string
	w    float64
}

// newDist builds a distribution, merging repeated names.
func newDist(ws []weighted) *dist {
	idx := map[string]int{}
	var merged []weighted
	for _, x := range ws {
		if x.w <= 0 || x.name == "" {
			continue
		}
		if i, ok := idx[x.name]; ok {
			merged[i].w += x.w
			continue
		}
		idx[x.name] = len(merged)
		merged = append(merged, x)
	}
	d := &dist{names: make([]string, len(merged)), cum: make([]float64, len(merged))}
	total := 0.0
	for i, x := range merged {
		total += x.w
		d.names[i], d.cum[i] = x.name, total
	}
	return d
}

func (d *dist) sample(r *rand.Rand) string {
	return d.names[d.index(r)]
}

func (d *dist) index(r *rand.Rand) int {
	u := r.Float64() * d.cum[len(d.cum)-1]
	i := sort.SearchFloat64s(d.cum, u)
	if i >= len(d.cum) {
		i = len(d.cum) - 1
	}
	return i
}

// prob returns a name's probability, 0 when absent.
func (d *dist) prob(name string) float64 {
	for i, n := range d.names {
		if n == name {
			prev := 0.0
			if i > 0 {
				prev = d.cum[i-1]
			}
			return (d.cum[i] - prev) / d.cum[len(d.cum)-1]
		}
	}
	return 0
}

// cumTable samples an index from fixed weights.
type cumTable []float64

func newCumTable(ws []float64) cumTable {
	c := make(cumTable, len(ws))
	t := 0.0
	for i, w := range ws {
		t += w
		c[i] = t
	}
	return c
}

func (c cumTable) sample(r *rand.Rand) int {
	u := r.Float64() * c[len(c)-1]
	i := sort.SearchFloat64s(c, u)
	if i >= len(c) {
		i = len(c) - 1
	}
	return i
}

// poisson draws from a Poisson distribution with mean mu (Knuth for small
// means, a normal approximation above 30).
func poisson(r *rand.Rand, mu float64) int {
	if mu <= 0 {
		return 0
	}
	if mu > 30 {
		n := int(math.Round(mu + math.Sqrt(mu)*r.NormFloat64()))
		return max(n, 0)
	}
	l := math.Exp(-mu)
	k, p := 0, r.Float64()
	for p > l {
		k++
		p *= r.Float64()
	}
	return k
}

func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// zipf returns weights proportional to 1/(rank+offset)^s for n ranks.
func zipf(n int, offset, s float64) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = math.Pow(float64(i+1)+offset, -s)
	}
	return w
}
