package geo

import (
	"sort"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
)

// Sector is a postcode sector ("CM1 1") with its 2011 census counts.
type Sector struct {
	Code       string // outward code, space, first inward digit: "CM1 1"
	District   string // "CM1"
	Households int
	Headcount  int // 2011 census usual residents
}

// LADShare is the share of a postcode district's residents living in one
// local authority district.
type LADShare struct {
	LADCode string
	Share   float64
}

// PostcodeDistrict is a postcode district ("CM1") that serves the county,
// with its sectors and an approximate split of its residents between the
// 14 districts.
//
// No postcode-to-district lookup (ONSPD/NSPL) is in the reference data, so
// Shares come from a hand-made table ([districtShares]) built from general
// knowledge of the postal geography: most districts lie in one LAD; a few
// straddle two; some (CM21, CM23, IG1…, RM1…) lie wholly outside the county
// and are left out. Shares sum to at most 1; the rest lives outside Essex.
// Parts of the county served by postcode areas missing from the reference
// data (CB10/CB11 Saffron Walden in Uttlesford, EN9 Waltham Abbey in Epping
// Forest) are not represented: their residents are placed at the district's
// other postcodes. Treat every share as approximate.
type PostcodeDistrict struct {
	Code       string
	Area       string // "CM"
	Households int
	Headcount  int
	Sectors    []int // indexes into County.Sectors
	Shares     []LADShare
}

// districtShares is the approximate postcode district → LAD split (see
// [PostcodeDistrict]). Codes: 66 Basildon, 67 Braintree, 68 Brentwood,
// 69 Castle Point, 70 Chelmsford, 71 Colchester, 72 Epping Forest,
// 73 Harlow, 74 Maldon, 75 Rochford, 76 Tendring, 77 Uttlesford,
// 33 Southend-on-Sea, 34 Thurrock.
var districtShares = map[string][]LADShare{
	"CM0": {{e7("74"), 1}}, "CM1": {{e7("70"), 1}}, "CM2": {{e7("70"), 1}},
	"CM3":  {{e7("70"), 0.75}, {e7("74"), 0.1}, {e7("67"), 0.15}},
	"CM4":  {{e7("68"), 0.6}, {e7("70"), 0.4}},
	"CM5":  {{e7("72"), 1}},
	"CM6":  {{e7("77"), 0.9}, {e7("67"), 0.1}},
	"CM7":  {{e7("67"), 1}},
	"CM8":  {{e7("67"), 1}},
	"CM9":  {{e7("74"), 1}},
	"CM11": {{e7("66"), 1}}, "CM12": {{e7("66"), 1}},
	"CM13": {{e7("68"), 1}}, "CM14": {{e7("68"), 1}}, "CM15": {{e7("68"), 1}},
	"CM16": {{e7("72"), 1}},
	"CM17": {{e7("73"), 0.8}, {e7("72"), 0.2}},
	"CM18": {{e7("73"), 1}},
	"CM19": {{e7("73"), 0.85}, {e7("72"), 0.15}},
	"CM20": {{e7("73"), 1}},
	"CM22": {{e7("77"), 0.5}}, // the rest is East Hertfordshire
	"CM24": {{e7("77"), 1}},
	"CM77": {{e7("67"), 1}},
	"CO1":  {{e7("71"), 1}}, "CO2": {{e7("71"), 1}}, "CO3": {{e7("71"), 1}}, "CO4": {{e7("71"), 1}},
	"CO5":  {{e7("71"), 0.7}, {e7("67"), 0.2}, {e7("74"), 0.1}},
	"CO6":  {{e7("71"), 0.45}, {e7("67"), 0.45}}, // Nayland side is Suffolk
	"CO7":  {{e7("76"), 0.6}, {e7("71"), 0.35}},
	"CO8":  {{e7("67"), 0.5}},
	"CO9":  {{e7("67"), 1}},
	"CO10": {{e7("67"), 0.2}}, // mostly Sudbury, Suffolk
	"CO11": {{e7("76"), 0.85}},
	"CO12": {{e7("76"), 1}}, "CO13": {{e7("76"), 1}}, "CO14": {{e7("76"), 1}}, "CO15": {{e7("76"), 1}}, "CO16": {{e7("76"), 1}},
	"SS0": {{e6("33"), 1}}, "SS1": {{e6("33"), 1}}, "SS2": {{e6("33"), 1}},
	"SS3": {{e6("33"), 0.8}, {e7("75"), 0.2}},
	"SS4": {{e7("75"), 1}}, "SS5": {{e7("75"), 1}}, "SS6": {{e7("75"), 1}},
	"SS7": {{e7("69"), 1}}, "SS8": {{e7("69"), 1}},
	"SS9":  {{e6("33"), 0.9}, {e7("69"), 0.1}},
	"SS11": {{e7("66"), 0.8}, {e7("70"), 0.1}, {e7("75"), 0.1}},
	"SS12": {{e7("66"), 1}}, "SS13": {{e7("66"), 1}}, "SS14": {{e7("66"), 1}}, "SS15": {{e7("66"), 1}}, "SS16": {{e7("66"), 1}},
	"SS17": {{e6("34"), 1}},
	"RM4":  {{e7("72"), 0.7}}, // Havering-atte-Bower is London
	"RM14": {{e6("34"), 0.1}}, // mostly Upminster, London
	"RM15": {{e6("34"), 1}}, "RM16": {{e6("34"), 1}}, "RM17": {{e6("34"), 1}},
	"RM18": {{e6("34"), 1}}, "RM19": {{e6("34"), 1}}, "RM20": {{e6("34"), 1}},
	"IG7": {{e7("72"), 0.7}}, // Hainault is Redbridge
	"IG9": {{e7("72"), 1}}, "IG10": {{e7("72"), 1}},
}

func e7(n string) string { return "E070000" + n }
func e6(n string) string { return "E060000" + n }

func (c *County) readSectors(recs []record) error {
	for _, r := range recs {
		s := Sector{Code: r.get("postcode_sector"), District: r.get("postcode_district")}
		var err error
		if s.Households, err = r.int("households"); err != nil {
			return err
		}
		if s.Headcount, err = r.int("headcount"); err != nil {
			return err
		}
		c.Sectors = append(c.Sectors, s)
	}
	sort.Slice(c.Sectors, func(i, j int) bool { return c.Sectors[i].Code < c.Sectors[j].Code })
	return nil
}

// buildDistricts groups sectors into the postcode districts that serve the
// county, with their shares.
func (c *County) buildDistricts() error {
	byCode := map[string]int{}
	for i, s := range c.Sectors {
		shares, ok := districtShares[s.District]
		if !ok {
			continue
		}
		j, seen := byCode[s.District]
		if !seen {
			j = len(c.Districts)
			byCode[s.District] = j
			c.Districts = append(c.Districts, PostcodeDistrict{Code: s.District, Area: area(s.District), Shares: shares})
		}
		d := &c.Districts[j]
		d.Sectors = append(d.Sectors, i)
		d.Households += s.Households
		d.Headcount += s.Headcount
	}
	for code, shares := range districtShares {
		if _, ok := byCode[code]; !ok {
			return fault.Errorf(fault.Invalid, "postcode district %s has no sectors in the reference data", code)
		}
		for _, s := range shares {
			if _, ok := c.LAD(s.LADCode); !ok {
				return fault.Errorf(fault.Internal, "postcode district %s maps to unknown district %s", code, s.LADCode)
			}
		}
	}
	sort.Slice(c.Districts, func(i, j int) bool { return c.Districts[i].Code < c.Districts[j].Code })
	return nil
}

func area(district string) string {
	i := strings.IndexAny(district, "0123456789")
	if i < 0 {
		return district
	}
	return district[:i]
}

// PostcodeDistrict returns the postcode district with the given code
// ("CM1"), if it serves the county.
func (c *County) PostcodeDistrict(code string) (*PostcodeDistrict, bool) {
	i := sort.Search(len(c.Districts), func(i int) bool { return c.Districts[i].Code >= code })
	if i == len(c.Districts) || c.Districts[i].Code != code {
		return nil, false
	}
	return &c.Districts[i], true
}

// LADOfPostcode returns the district most of a postcode's district lives
// in, from the approximate table (see [PostcodeDistrict]); false for a
// postcode outside the county's postcode districts. The postcode may be in
// any case and spacing.
func (c *County) LADOfPostcode(postcode string) (string, bool) {
	p := strings.ToUpper(strings.Join(strings.Fields(postcode), ""))
	if len(p) < 5 {
		return "", false
	}
	d, ok := c.PostcodeDistrict(p[:len(p)-3])
	if !ok || len(d.Shares) == 0 {
		return "", false
	}
	best := d.Shares[0]
	for _, s := range d.Shares[1:] {
		if s.Share > best.Share {
			best = s
		}
	}
	return best.LADCode, true
}

// WeightedSector is a postcode sector with the approximate number of a
// district's residents living in it.
type WeightedSector struct {
	Sector *Sector
	Weight float64 // 2011 headcount × the district's share
}

// SectorsIn returns the postcode sectors serving a district with their
// approximate resident counts, in sector code order.
func (c *County) SectorsIn(lad string) []WeightedSector {
	var out []WeightedSector
	for _, d := range c.Districts {
		for _, sh := range d.Shares {
			if sh.LADCode != lad {
				continue
			}
			for _, i := range d.Sectors {
				s := &c.Sectors[i]
				out = append(out, WeightedSector{Sector: s, Weight: float64(s.Headcount) * sh.Share})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Sector.Code < out[j].Sector.Code })
	return out
}
