package synth

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/refdata"
)

// Reference files for names, by their path in the reference data.
const (
	surnameFile  = "synthetic_people_reference/surnames_en_GB_faker_weighted.csv"
	fakerFile    = "synthetic_people_reference/forenames_en_GB_faker.csv"
	histFile     = "synthetic_people_reference/ons_babynames_ew_hist.csv"
	countryFile  = "synthetic_people_reference/ons_babynames_ew_countries.csv"
	regionFile   = "synthetic_people_reference/ons_babynames_ew_regions.csv"
	regionOfHome = "East"
)

// names holds the name distributions.
type names struct {
	// surnames is the whole-population distribution: the 500 weighted
	// reference surnames (39.5% of people) then a synthetic long tail.
	surnames *dist
	// headMass is the reference surnames' share of people.
	headMass float64
	head     map[string]bool
	// ethnic are surnames typical of some ethnic groups, by group, and
	// the share of the group's surnames drawn from them.
	ethnic      map[int]*dist
	ethnicShare map[int]float64
	// forenames by cohort key and sex (0 male, 1 female).
	forenames map[int]*[2]*dist
}

// loadNames reads the name reference files (embedded, or from the folder
// CIVICLINK_REFDATA names).
func loadNames() (*names, error) {
	read := func(name string) ([]map[string]string, error) {
		b, err := refdata.ReadFile(name)
		if err != nil {
			return nil, err
		}
		return readRows(name, b)
	}
	n := &names{head: map[string]bool{}, forenames: map[int]*[2]*dist{}}
	sur, err := read(surnameFile)
	if err != nil {
		return nil, err
	}
	if err := n.buildSurnames(sur); err != nil {
		return nil, err
	}
	n.buildEthnic()
	faker, err := read(fakerFile)
	if err != nil {
		return nil, err
	}
	hist, err := read(histFile)
	if err != nil {
		return nil, err
	}
	country, err := read(countryFile)
	if err != nil {
		return nil, err
	}
	region, err := read(regionFile)
	if err != nil {
		return nil, err
	}
	n.buildForenames(faker, hist, country, region)
	return n, nil
}

func (n *names) buildSurnames(rows []map[string]string) error {
	var ws []weighted
	last := 0.0
	for _, r := range rows {
		w, err := strconv.ParseFloat(r["weight_percent_of_population"], 64)
		if err != nil || r["surname"] == "" {
			return fault.Errorf(fault.Invalid, "surname reference row %v is malformed", r)
		}
		ws = append(ws, weighted{r["surname"], w / 100})
		n.head[r["surname"]] = true
		n.headMass += w / 100
		last = w / 100
	}
	if len(ws) == 0 || n.headMass >= 1 {
		return fault.Errorf(fault.Invalid, "surname reference list is empty or over 100%%")
	}
	tail := tailSurnames(n.head)
	tw := tailWeights(len(tail), float64(len(ws)), last, 1-n.headMass)
	for i, s := range tail {
		ws = append(ws, weighted{s, tw[i]})
	}
	n.surnames = newDist(ws)
	return nil
}

// tailWeights returns k weights continuing a ranked list whose last
// weight is last at rank offset, decaying as a power law whose exponent is
// chosen so the weights sum to mass.
func tailWeights(k int, offset, last, mass float64) []float64 {
	sum := func(s float64) float64 {
		t := 0.0
		for i := 1; i <= k; i++ {
			t += last * math.Pow(offset/(offset+float64(i)), s)
		}
		return t
	}
	lo, hi := 0.0, 4.0
	for range 50 {
		mid := (lo + hi) / 2
		if sum(mid) > mass {
			lo = mid
		} else {
			hi = mid
		}
	}
	w := make([]float64, k)
	total := 0.0
	for i := range w {
		w[i] = last * math.Pow(offset/(offset+float64(i+1)), lo)
		total += w[i]
	}
	for i := range w {
		w[i] *= mass / total
	}
	return w
}

// Parts of English-looking surnames for the long tail (place and trade
// elements). The combinations are synthetic; some are real surnames.
var (
	tailPrefixes = strings.Fields(`Ash Ayl Bar Brad Bram Brook Bur Cal Car Chad Chil Cold Cran Dar Dun East Ed Elm
		Fair Farn Fen Gar Gold Green Hal Ham Har Hart Haw Hay Hol Horn Hun Kel Kin Kirk Lang Lid Lind Long Mar Mid Mil
		Mor New Nor Oak Old Pen Pres Rad Ram Red Rid Rod Rom Rush Sal San Scar Shel Sher Staf Stan Stock Stow Sum Sut
		Swin Thorn Tod Wal War Wat Wel West Whit Wick Wil Win Wood Wor Yar Ab Al Ap Bick Black Blen Bow Brig Bux Cap
		Chap Crock Dal Dew Dray Ew Fox Gil Gos Grim Had Hep Hob Ing Kent Lam Lox Mab Nash Orm Pax Pick Quen Ross Rye`)
	tailSuffixes = strings.Fields(`by ton ford ley well wood worth field ham ridge stone bury combe den dale hurst land
		more shaw thorpe wick cott brook man er son ing all ell ington sley cliffe gate hill holt mere stead win away
		borne craft down fold grave hay lock low mouth nett ock rick sey ter wright`)
	// tailForeign are surnames of families from abroad, for the tail.
	tailForeign = strings.Fields(`Nowak Kowalski Wisniewski Wojcik Kaminski Lewandowski Zielinski Szymanski Popescu
		Ionescu Popa Dumitru Stan Kazlauskas Petrauskas Jankauskas Silva Santos Ferreira Pereira Oliveira Costa Rossi
		Russo Ferrari Esposito Bianchi Romano Muller Schmidt Schneider Fischer Weber Meyer Wagner Becker Garcia
		Rodriguez Martinez Lopez Gonzalez Perez Sanchez Papadopoulos Georgiou Yilmaz Kaya Demir Sahin Celik Nguyen
		Tran Pham Okafor Adeyemi Mensah Osei Okoro Adebayo Nwosu Boateng Asante Mohamed Abdi Hassan Yusuf Chen Wang
		Zhang Liu Wong Chan Sharma Kumar Mistry Parmar Joshi Iqbal Mahmood Riaz Malik Miah Uddin Khatun Akter`)
)

// tailSurnames lists the synthetic long tail: prefix+suffix combinations,
// Mac/O' forms, and surnames from abroad, excluding the reference list.
func tailSurnames(head map[string]bool) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if !head[s] && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, s := range tailForeign {
		add(s)
	}
	for _, p := range tailPrefixes {
		for _, s := range tailSuffixes {
			add(p + s)
		}
	}
	for _, p := range tailPrefixes[:40] {
		add("Mac" + strings.ToLower(p[:1]) + p[1:] + "ie")
		add("O'" + p + "an")
	}
	// Shuffle deterministically so that rank is not alphabetical.
	r := rand.New(rand.NewPCG(0x5eed, 0x7a11))
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// ethnicSurnames are surnames typical of some ethnic groups, with the
// share of the group's surnames drawn from them (the rest come from the
// whole population's list). Weights within a list fall gently with rank.
var ethnicSurnames = map[string]struct {
	share float64
	names string
}{
	"A1": {0.7, "Patel Shah Singh Kaur Sharma Kumar Gill Mistry Parmar Joshi Desai Mehta Chauhan Sandhu Dhillon Bains"},
	"A2": {0.7, "Khan Ali Hussain Ahmed Akhtar Iqbal Mahmood Riaz Malik Butt Raja Aslam Rashid Shah Bibi Nawaz"},
	"A3": {0.7, "Begum Miah Rahman Islam Uddin Ahmed Khatun Akter Hossain Chowdhury Ali Hoque Alam Khan"},
	"A4": {0.7, "Chen Wang Li Zhang Liu Wong Lee Chan Lin Yang Huang Ho Cheung Lam Ng Tang"},
	"A5": {0.5, "Perera Fernando Silva Nguyen Tran Rai Gurung Khan Ali Shah Tamang Pham Jayasinghe Limbu"},
	"B1": {0.6, "Okafor Adeyemi Mensah Osei Okoro Adebayo Nwosu Boateng Asante Mohamed Abdi Hassan Owusu Oduya Adeleke Eze Bello Ogunleye"},
	"W5": {0.3, "Nowak Kowalski Wisniewski Wojcik Kaminski Lewandowski Zielinski Szymanski Popescu Ionescu Popa Dumitru Kazlauskas Petrauskas Silva Santos Ferreira Pereira Rossi Russo Esposito Muller Schmidt Garcia Rodriguez Martinez Papadopoulos Yilmaz Kaya Demir"},
	"O1": {0.6, "Hassan Ali Mohamed Ahmed Ibrahim Saleh Mahmoud Khalil Haddad Nasser Omar Yousef"},
}

func (n *names) buildEthnic() {
	n.ethnic = map[int]*dist{}
	n.ethnicShare = map[int]float64{}
	for code, l := range ethnicSurnames {
		g := ethnicIndex(code)
		fs := strings.Fields(l.names)
		ws := zipf(len(fs), 4, 1)
		var wl []weighted
		for i, f := range fs {
			wl = append(wl, weighted{f, ws[i]})
		}
		n.ethnic[g] = newDist(wl)
		n.ethnicShare[g] = l.share
	}
}

// surname draws a household surname for an ethnic group: from the group's
// own list at its share, else from the whole population's.
func (n *names) surname(r *rand.Rand, group int) string {
	if d, ok := n.ethnic[group]; ok && r.Float64() < n.ethnicShare[group] {
		return d.sample(r)
	}
	return n.surnames.sample(r)
}

// cohortKey groups birth years that share a forename distribution:
// decades up to 1994 (from the ONS historical top 100), 1995–2004 (ONS
// England top 100 with counts), then each year (ONS East of England top
// 10, with the older lists for the tail).
func cohortKey(year int) int {
	switch {
	case year < 1995:
		d := (year - 1899) / 10 // 1904 is centred in 1899–1908
		return min(max(d, 0), 9)
	case year < 2005:
		return 10
	default:
		return 11 + min(year, 2020) - 2005
	}
}

func (n *names) buildForenames(faker, hist, country, region []map[string]string) {
	sexIdx := func(s string) int {
		if s == "F" {
			return 1
		}
		return 0
	}
	var fakerW [2][]weighted
	for _, r := range faker {
		rank, _ := strconv.Atoi(r["rank_in_source_list"])
		s := sexIdx(r["sex"])
		fakerW[s] = append(fakerW[s], weighted{r["forename"], 1 / float64(rank+20)})
	}
	var histW [10][2][]weighted
	for _, r := range hist {
		y, _ := strconv.Atoi(r["year"])
		rank, _ := strconv.Atoi(r["ranking"])
		k := cohortKey(y)
		s := sexIdx(r["sex"])
		histW[k][s] = append(histW[k][s], weighted{title(r["name"]), math.Pow(float64(rank)+2, -0.9)})
	}
	var engW [2][]weighted
	for _, r := range country {
		if r["country"] != "E" || r["name"] == "" {
			continue
		}
		c, _ := strconv.ParseFloat(r["count"], 64)
		engW[sexIdx(r["sex"])] = append(engW[sexIdx(r["sex"])], weighted{title(r["name"]), c})
	}
	regW := map[int]*[2][]weighted{}
	for _, r := range region {
		if r["region"] != regionOfHome || r["name"] == "" {
			continue
		}
		y, _ := strconv.Atoi(r["year"])
		p, _ := strconv.ParseFloat(r["prop"], 64)
		if regW[y] == nil {
			regW[y] = &[2][]weighted{}
		}
		regW[y][sexIdx(r["sex"])] = append(regW[y][sexIdx(r["sex"])], weighted{title(r["name"]), p})
	}
	for k := 0; k <= cohortKey(2020); k++ {
		var pair [2]*dist
		for s := 0; s < 2; s++ {
			var parts [][]weighted
			var masses []float64
			switch {
			case k < 10:
				// the decade's top 100 carry 70%, adult-era names and the
				// neighbouring decades the tail
				parts = [][]weighted{histW[k][s], fakerW[s], histW[min(k+1, 9)][s], histW[max(k-1, 0)][s]}
				masses = []float64{0.7, 0.15, 0.1, 0.05}
			case k == 10:
				parts = [][]weighted{engW[s], fakerW[s], histW[9][s]}
				masses = []float64{0.6, 0.25, 0.15}
			default:
				y := 2005 + k - 11
				var recent []weighted
				for dy := -2; dy <= 2; dy++ {
					if w := regW[min(y+dy, 2020)]; w != nil {
						recent = append(recent, w[s]...)
					}
				}
				parts = [][]weighted{recent, engW[s], fakerW[s]}
				masses = []float64{0.2, 0.5, 0.3}
			}
			pair[s] = mixture(parts, masses)
		}
		n.forenames[k] = &pair
	}
}

// mixture builds a distribution giving each part its mass.
func mixture(parts [][]weighted, masses []float64) *dist {
	var all []weighted
	for i, p := range parts {
		t := 0.0
		for _, x := range p {
			t += x.w
		}
		if t == 0 {
			continue
		}
		for _, x := range p {
			all = append(all, weighted{x.name, x.w / t * masses[i]})
		}
	}
	return newDist(all)
}

// forename draws a forename for a birth year and sex ('M' or 'F').
func (n *names) forename(r *rand.Rand, year int, sex byte) string {
	s := 0
	if sex == 'F' {
		s = 1
	}
	return n.forenames[cohortKey(year)][s].sample(r)
}

// title turns "MARY-ANN" into "Mary-Ann".
func title(s string) string {
	b := []byte(strings.ToLower(s))
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
		up = c == '-' || c == ' ' || c == '\''
	}
	return string(b)
}
