package synth

import (
	"bytes"
	"strings"

	"github.com/civiclink/civiclink/internal/csvhead"
	"github.com/civiclink/civiclink/internal/fault"
)

// ethnicGroup is an ONS 2021 census ethnic group with its share of an
// Essex-like population (percent) and the NHS data dictionary code that
// health records use for it.
type ethnicGroup struct {
	Code, Label string
	Share       float64
	NHS         string
}

// ethnicGroups are the 19 ONS 2021 categories. Shares approximate Essex
// at the 2021 census (about 86% White British); they are settings, not
// census figures. W1 comes first: district factors scale the others.
var ethnicGroups = []ethnicGroup{
	{"W1", "White: English, Welsh, Scottish, Northern Irish or British", 85.8, "A"},
	{"W2", "White: Irish", 0.6, "B"},
	{"W3", "White: Gypsy or Irish Traveller", 0.2, "C"},
	{"W4", "White: Roma", 0.1, "C"},
	{"W5", "White: Other White", 4.3, "C"},
	{"M1", "Mixed: White and Black Caribbean", 0.6, "D"},
	{"M2", "Mixed: White and Black African", 0.3, "E"},
	{"M3", "Mixed: White and Asian", 0.5, "F"},
	{"M4", "Mixed: Other Mixed", 0.5, "G"},
	{"A1", "Asian: Indian", 1.2, "H"},
	{"A2", "Asian: Pakistani", 0.4, "J"},
	{"A3", "Asian: Bangladeshi", 0.4, "K"},
	{"A4", "Asian: Chinese", 0.4, "R"},
	{"A5", "Asian: Other Asian", 0.8, "L"},
	{"B1", "Black: African", 2.1, "N"},
	{"B2", "Black: Caribbean", 0.5, "M"},
	{"B3", "Black: Other Black", 0.2, "P"},
	{"O1", "Other: Arab", 0.2, "S"},
	{"O2", "Other: Any other ethnic group", 0.6, "S"},
}

// nhsEthnicCodes are the NHS ethnic category codes with their labels.
var nhsEthnicCodes = [][2]string{
	{"A", "White British"}, {"B", "White Irish"}, {"C", "Any other White background"},
	{"D", "White and Black Caribbean"}, {"E", "White and Black African"}, {"F", "White and Asian"},
	{"G", "Any other mixed background"}, {"H", "Indian"}, {"J", "Pakistani"}, {"K", "Bangladeshi"},
	{"L", "Any other Asian background"}, {"M", "Caribbean"}, {"N", "African"}, {"P", "Any other Black background"},
	{"R", "Chinese"}, {"S", "Any other ethnic group"}, {"Z", "Not stated"},
}

func ethnicIndex(code string) int {
	for i, g := range ethnicGroups {
		if g.Code == code {
			return i
		}
	}
	return -1
}

// diversity scales the shares of groups other than W1 by district,
// roughly following the 2021 census (Thurrock and Harlow most diverse,
// Tendring and Maldon least).
var diversity = map[string]float64{
	"E07000066": 1.3, "E07000067": 0.6, "E07000068": 0.9, "E07000069": 0.5, "E07000070": 1.0,
	"E07000071": 1.1, "E07000072": 1.3, "E07000073": 1.6, "E07000074": 0.5, "E07000075": 0.6,
	"E07000076": 0.5, "E07000077": 0.7, "E06000033": 1.3, "E06000034": 2.0,
}

// deprivation is a district's baseline deprivation in [0,1], a setting
// loosely following the English indices of deprivation (Tendring, Basildon
// and Harlow most deprived; Uttlesford and Brentwood least).
var deprivation = map[string]float64{
	"E07000066": 0.62, "E07000067": 0.40, "E07000068": 0.28, "E07000069": 0.48, "E07000070": 0.33,
	"E07000071": 0.47, "E07000072": 0.38, "E07000073": 0.62, "E07000074": 0.38, "E07000075": 0.30,
	"E07000076": 0.70, "E07000077": 0.22, "E06000033": 0.58, "E06000034": 0.57,
}

// urban scales police and A&E rates by district (town centres, night-time
// economies).
var urban = map[string]float64{
	"E07000066": 1.2, "E07000067": 0.85, "E07000068": 0.9, "E07000069": 0.9, "E07000070": 1.05,
	"E07000071": 1.1, "E07000072": 0.9, "E07000073": 1.2, "E07000074": 0.8, "E07000075": 0.85,
	"E07000076": 1.0, "E07000077": 0.75, "E06000033": 1.3, "E06000034": 1.15,
}

// agePyramid is the share (percent) of people in each five-year age band
// at the end of the period, 0–4 to 90+, Essex-like (an older county than
// England).
var agePyramid = []float64{5.4, 5.9, 6.1, 5.6, 5.0, 5.8, 6.3, 6.3, 6.1, 6.1, 6.9, 6.9, 6.1, 5.3, 5.3, 4.2, 2.8, 1.7, 1.0}

// householdSizes is the share of households of 1…6 people.
var householdSizes = []float64{0.30, 0.34, 0.155, 0.135, 0.05, 0.02}

// nicknames maps formal forenames to the short forms people give.
var nicknames = map[string][]string{
	"William": {"Bill", "Will", "Billy"}, "Robert": {"Bob", "Rob", "Bobby"}, "Richard": {"Rick", "Rich", "Dick"},
	"James": {"Jim", "Jimmy", "Jamie"}, "Michael": {"Mike", "Mick"}, "Christopher": {"Chris"}, "Thomas": {"Tom", "Tommy"},
	"Anthony": {"Tony"}, "Andrew": {"Andy", "Drew"}, "Daniel": {"Dan", "Danny"}, "David": {"Dave"}, "Matthew": {"Matt"},
	"Jonathan": {"Jon"}, "Joseph": {"Joe"}, "Samuel": {"Sam"}, "Benjamin": {"Ben"}, "Alexander": {"Alex"},
	"Edward": {"Ed", "Ted", "Eddie"}, "Charles": {"Charlie"}, "Nicholas": {"Nick"}, "Stephen": {"Steve"},
	"Steven": {"Steve"}, "Timothy": {"Tim"}, "Peter": {"Pete"}, "Gregory": {"Greg"}, "Frederick": {"Fred"},
	"Henry": {"Harry"}, "Harold": {"Harry"}, "Leonard": {"Len"}, "Kenneth": {"Ken"}, "Raymond": {"Ray"},
	"Ronald": {"Ron"}, "Donald": {"Don"}, "Gerald": {"Gerry"}, "Philip": {"Phil"}, "Terence": {"Terry"},
	"Lawrence": {"Larry"}, "Albert": {"Bert"}, "Arthur": {"Art"}, "Frank": {"Frankie"}, "Alfred": {"Alf"},
	"Jack": {"Jackie"}, "Joshua": {"Josh"}, "Nathan": {"Nate"}, "Oliver": {"Ollie"}, "Callum": {"Cal"},
	"Elizabeth": {"Liz", "Beth", "Lizzie"}, "Margaret": {"Maggie", "Peggy"}, "Patricia": {"Pat", "Trish"},
	"Catherine": {"Kate", "Cathy"}, "Katherine": {"Kate", "Kathy"}, "Jennifer": {"Jen", "Jenny"},
	"Rebecca": {"Becky", "Becca"}, "Victoria": {"Vicky"}, "Susan": {"Sue"}, "Deborah": {"Debbie"},
	"Jacqueline": {"Jackie"}, "Samantha": {"Sam"}, "Alexandra": {"Alex"}, "Christine": {"Chris"},
	"Kimberley": {"Kim"}, "Jessica": {"Jess"}, "Natalie": {"Nat"}, "Abigail": {"Abi", "Abbie"}, "Olivia": {"Liv"},
	"Isabella": {"Bella"}, "Amelia": {"Millie"}, "Eleanor": {"Ellie"}, "Josephine": {"Jo"}, "Joanne": {"Jo"},
	"Dorothy": {"Dot"}, "Frances": {"Fran"}, "Gillian": {"Gill"}, "Pamela": {"Pam"}, "Barbara": {"Babs"},
	"Kathleen": {"Kath"}, "Sandra": {"Sandy"}, "Valerie": {"Val"}, "Jennie": {"Jen"}, "Charlotte": {"Lottie"},
	"Emily": {"Em"}, "Emma": {"Em"}, "Danielle": {"Dani"}, "Nicola": {"Nicki"}, "Stephanie": {"Steph"},
	"Zoe": {"Zo"}, "Sophie": {"Soph"}, "Hannah": {"Han"}, "Lucy": {"Lu"}, "Louise": {"Lou"},
}

// readRows reads a CSV file with a header (named path in errors) into
// maps keyed by column.
func readRows(path string, b []byte) ([]map[string]string, error) {
	r, err := csvhead.New(bytes.NewReader(b), csvhead.Options{Ragged: true})
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "reference file %s has no header: %v", path, err)
	}
	var out []map[string]string
	for r.Next() {
		m := make(map[string]string, len(r.Header()))
		for i, h := range r.Header() {
			if i < r.Fields() {
				m[h] = strings.TrimSpace(r.Field(i))
			}
		}
		out = append(out, m)
	}
	if err := r.Err(); err != nil {
		return nil, fault.Errorf(fault.Invalid, "reference file %s: %v", path, err)
	}
	return out, nil
}
