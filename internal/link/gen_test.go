package link_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/link"
)

// synthPeople makes n records in the layout of the synthetic county's
// agency datasets (forename, surname, dob, sex, postcode, nhs_number): 60%
// originals and 40% corrupted duplicates of them, with made-up syllable
// names (no real person). It returns the dataset and each record's true
// entity.
func synthPeople(n int, seed uint64) (link.Dataset, map[string]string) {
	rng := rand.New(rand.NewPCG(seed, 7))
	forenames := namePool(rng, 400, 2)
	surnames := namePool(rng, 20000, 3)
	ds := link.Dataset{Name: "people", Fields: []string{"forename", "surname", "dob", "sex", "postcode", "nhs_number"}}
	truth := map[string]string{}
	originals := n * 6 / 10
	for i := range n {
		var vals []string
		ent := i
		if i < originals {
			vals = []string{
				forenames[zipf(rng, len(forenames))], surnames[zipf(rng, len(surnames))],
				fmt.Sprintf("%04d-%02d-%02d", 1930+rng.IntN(80), 1+rng.IntN(12), 1+rng.IntN(28)),
				[]string{"m", "f"}[rng.IntN(2)], postcode(rng), strconv.Itoa(4000000000 + rng.IntN(999999999)),
			}
		} else {
			ent = rng.IntN(originals)
			vals = corrupt(rng, ds.Records[ent].Values)
		}
		id := "r" + strconv.Itoa(i)
		ds.Records = append(ds.Records, link.Record{ID: id, Values: vals})
		truth[id] = strconv.Itoa(ent)
	}
	return ds, truth
}

var syllables = strings.Fields("ka lo mi ra ten sha vor bel dun ar is el on ma rik sel tor win ford ley ton ham by well jo an na li ber tin gar ro su den")

func namePool(rng *rand.Rand, n, parts int) []string {
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		var sb strings.Builder
		for range 1 + rng.IntN(parts) + 1 {
			sb.WriteString(syllables[rng.IntN(len(syllables))])
		}
		if s := sb.String(); !seen[s] && len(s) > 3 {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// zipf picks an index with probability falling as 1/(i+10).
func zipf(rng *rand.Rand, n int) int {
	// inverse of the continuous CDF of 1/(x+10) on [0, n)
	u := rng.Float64()
	return min(n-1, int(10*math.Pow(float64(n+10)/10, u)-10))
}

func postcode(rng *rand.Rand) string {
	areas := []string{"CM", "SS", "CO", "IG", "RM", "EN", "CB"}
	return fmt.Sprintf("%s%d %d%c%c", areas[rng.IntN(len(areas))], 1+rng.IntN(20), rng.IntN(10), 'A'+rune(rng.IntN(26)), 'A'+rune(rng.IntN(26)))
}

func corrupt(rng *rand.Rand, in []string) []string {
	v := append([]string(nil), in...)
	if rng.Float64() < 0.2 {
		v[0] = typo(rng, v[0])
	}
	if rng.Float64() < 0.05 {
		v[0] = ""
	}
	if rng.Float64() < 0.15 {
		v[1] = typo(rng, v[1])
	}
	if r := rng.Float64(); r < 0.05 && v[2][8:] <= "12" {
		v[2] = v[2][:5] + v[2][8:] + "-" + v[2][5:7]
	} else if r < 0.12 {
		v[2] = typo(rng, v[2][:4]) + v[2][4:]
	}
	if rng.Float64() < 0.01 {
		v[3] = map[string]string{"m": "f", "f": "m"}[v[3]]
	}
	if rng.Float64() < 0.1 {
		v[4] = postcode(rng)
	}
	if r := rng.Float64(); r < 0.1 {
		v[5] = ""
	} else if r < 0.15 {
		v[5] = typo(rng, v[5])
	}
	return v
}

// typo makes one substitution, deletion, insertion or swap.
func typo(rng *rand.Rand, s string) string {
	if len(s) < 2 {
		return s
	}
	i := rng.IntN(len(s) - 1)
	c := s[i]
	if c >= '0' && c <= '9' {
		c = byte('0' + rng.IntN(10))
	} else {
		c = byte('a' + rng.IntN(26))
	}
	switch rng.IntN(4) {
	case 0:
		return s[:i] + string(c) + s[i+1:]
	case 1:
		return s[:i] + s[i+1:]
	case 2:
		return s[:i] + string(c) + s[i:]
	}
	return s[:i] + string(s[i+1]) + string(s[i]) + s[i+2:]
}

// countyConfig is a config for synthPeople's layout.
func countyConfig() link.Config {
	return link.Config{
		Comparisons: []link.ComparisonSpec{
			{Field: "forename", Kind: "jaro_winkler", TF: true},
			{Field: "surname", Kind: "jaro_winkler", TF: true},
			{Field: "dob", Kind: "date"},
			{Field: "sex", Kind: "exact"},
			{Field: "postcode", Kind: "postcode"},
			{Field: "nhs_number", Kind: "damerau", Thresholds: []float64{1}},
		},
		Blocking: []link.BlockingRule{
			{Name: "nhs", Keys: []link.KeyPart{{Field: "nhs_number"}}},
			{Name: "dob+district", Keys: []link.KeyPart{{Field: "dob"}, {Field: "postcode", Transform: "postcode_district"}}},
			{Name: "names+year", Keys: []link.KeyPart{{Field: "surname", Transform: "soundex"}, {Field: "forename", Transform: "soundex"}, {Field: "dob", Transform: "year"}}},
			{Name: "dob+surname", Keys: []link.KeyPart{{Field: "dob"}, {Field: "surname", Transform: "prefix", N: 2}}},
		},
		Cluster: link.ClusterSpec{MinDensity: 0.3},
	}
}
