package synth

import (
	"hash/fnv"
	"math/rand/v2"

	"github.com/civiclink/civiclink/internal/geo"
)

// world is everything generation reads and never writes: settings, the
// county's geography and the name and age distributions.
type world struct {
	cfg        Config
	start, end int32 // the period, inclusive
	years      float64
	county     *geo.County
	names      *names

	lads    []ladInfo
	ladCum  cumTable // by mid-2022 population
	adultAg cumTable // single years 18…99 at End
	childAg cumTable // single years 0…17
	// childProb1 and childProbN are the chances that the second member, or
	// a later one, of a household is a child; chosen so the age pyramid's
	// child share comes out right.
	childProb1, childProbN float64
	sizes                  cumTable

	ds    []*dataset
	rates [][numKinds]float64 // per dataset: error rates after scaling
}

// ladInfo is what generation needs about one district.
type ladInfo struct {
	code      string
	sectors   []string
	sectorCum cumTable
	lsoas     []string
	ethnicCum cumTable
	dep       float64
	urban     float64
}

// newWorld prepares generation from settings and reference data.
func newWorld(cfg Config) (*world, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c, err := geo.Essex()
	if err != nil {
		return nil, err
	}
	n, err := loadNames()
	if err != nil {
		return nil, err
	}
	w := &world{cfg: cfg, county: c, names: n}
	s, e, _ := cfg.period()
	w.start, w.end = dayOf(s.Year(), int(s.Month()), s.Day()), dayOf(e.Year(), int(e.Month()), e.Day())
	w.years = float64(w.end-w.start+1) / 365.25
	w.buildLADs()
	w.buildAges()
	w.sizes = newCumTable(householdSizes)
	w.ds = datasets
	w.rates = make([][numKinds]float64, len(datasets))
	base := cfg.Errors.rates()
	for i, d := range datasets {
		sc := cfg.Datasets[d.id].ErrorScale
		for k := range base {
			w.rates[i][k] = min(1, base[k]*sc)
		}
	}
	return w, nil
}

func (w *world) buildLADs() {
	pops := make([]float64, len(w.county.LADs))
	for i, l := range w.county.LADs {
		pops[i] = float64(l.Population)
		li := ladInfo{code: l.Code, dep: deprivation[l.Code], urban: urban[l.Code]}
		var ws []float64
		for _, s := range w.county.SectorsIn(l.Code) {
			li.sectors = append(li.sectors, s.Sector.Code)
			ws = append(ws, s.Weight)
		}
		li.sectorCum = newCumTable(ws)
		for _, ls := range w.county.LSOAsIn(l.Code) {
			li.lsoas = append(li.lsoas, ls.Code)
		}
		eth := make([]float64, len(ethnicGroups))
		for j, g := range ethnicGroups {
			eth[j] = g.Share
			if j > 0 {
				eth[j] *= diversity[l.Code]
			}
		}
		li.ethnicCum = newCumTable(eth)
		w.lads = append(w.lads, li)
	}
	w.ladCum = newCumTable(pops)
}

// ageShare returns the pyramid's share of one single year of age (90+
// spread over 90…99, thinning with age).
func ageShare(age int) float64 {
	band := min(age/5, len(agePyramid)-1)
	if band < len(agePyramid)-1 {
		return agePyramid[band] / 5
	}
	// 90…99: weights 10, 9, …, 1 over the band
	return agePyramid[band] * float64(100-age) / 55
}

func (w *world) buildAges() {
	adult := make([]float64, 82) // 18…99
	child := make([]float64, 18)
	childShare, total := 0.0, 0.0
	for a := 0; a < 100; a++ {
		s := ageShare(a)
		total += s
		if a < 18 {
			child[a] = s
			childShare += s
		} else {
			adult[a-18] = s
		}
	}
	childShare /= total
	w.adultAg, w.childAg = newCumTable(adult), newCumTable(child)
	// expected members: slot 1 exists when size ≥ 2, slots ≥ 2 by size
	mean, slot1, later := 0.0, 0.0, 0.0
	for i, p := range householdSizes {
		size := float64(i + 1)
		mean += p * size
		if i >= 1 {
			slot1 += p
			later += p * (size - 2)
		}
	}
	w.childProb1 = 0.15
	w.childProbN = min(1, max(0, (childShare*mean-w.childProb1*slot1)/later))
}

// pyramidShares returns the configured share of each five-year band.
func pyramidShares() []float64 {
	t := 0.0
	for _, s := range agePyramid {
		t += s
	}
	out := make([]float64, len(agePyramid))
	for i, s := range agePyramid {
		out[i] = s / t
	}
	return out
}

// lsoaDeprivation is an LSOA's deprivation: its district's baseline moved
// by a fixed amount derived from the code, so neighbourhoods differ.
func (w *world) lsoaDeprivation(lad int, lsoa string) float64 {
	h := fnv.New64a()
	h.Write([]byte(lsoa))
	u := float64(h.Sum64()>>11) / float64(1<<53)
	d := w.lads[lad].dep + (u-0.5)*0.5
	return min(1, max(0, d))
}

// lsoaFor places a postcode in one of its district's LSOAs, always the
// same one for the same postcode.
func (w *world) lsoaFor(lad int, postcode string) string {
	h := fnv.New32a()
	h.Write([]byte(postcode))
	ls := w.lads[lad].lsoas
	return ls[int(h.Sum32()%uint32(len(ls)))]
}

// inwardLetters are the letters used in the last two places of a postcode.
const inwardLetters = "ABDEFGHJLNPQRSTUWXYZ"

// newAddress draws an address in a district.
func (w *world) newAddress(r *rand.Rand, lad int, from int32) address {
	li := &w.lads[lad]
	sec := li.sectors[li.sectorCum.sample(r)]
	pc := sec + string([]byte{inwardLetters[r.IntN(len(inwardLetters))], inwardLetters[r.IntN(len(inwardLetters))]})
	return address{from: from, lad: int8(lad), postcode: pc, lsoa: w.lsoaFor(lad, pc)}
}
