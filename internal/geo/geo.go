// Package geo is the partnership's geography: the 14 local authority
// districts of Essex (the 12 districts of Essex County Council, Southend-on-Sea
// and Thurrock) with their ONS codes and populations, the LSOAs and wards
// inside them, the postcode districts that serve them, and their boundaries.
//
// Everything is read through package refdata: the reference files embedded
// in the binary, or the folder CIVICLINK_REFDATA names. [Load] reads the lookups
// once; a [County] is then read-only and safe for concurrent use. The
// synthetic county uses it to place people, the insight room for
// denominators (population per district) and the web room for maps
// ([LoadBoundaries]).
package geo

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/civiclink/civiclink/internal/csvhead"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/refdata"
)

// Reference files read by [Load], by their path in the reference data.
const (
	ladFile        = "geography_lookups/essex_lad_lookup.csv"
	populationFile = "geography_lookups/essex_population_by_lad.csv"
	lsoa21File     = "geography_lookups/essex_lsoa2021_lookup.csv"
	lsoa11File     = "geography_lookups/essex_lsoa2011_lookup.csv"
	sectorFile     = "synthetic_people_reference/postcode_sectors_CM_CO_SS_RM_IG_census2011.csv"
)

// LAD is a local authority district (lower-tier or unitary).
type LAD struct {
	Code     string // ONS code, e.g. E07000070
	Name     string // e.g. Chelmsford
	UTLACode string // upper tier: E10000012 (Essex) or the unitary's own code
	UTLAName string
	// Population is the ONS mid-2022 population estimate (all ages).
	Population int
	// Census2011 and Census2021 are the census usual residents (2021 rounded
	// to 100 by ONS).
	Census2011 int
	Census2021 int
}

// Unitary reports whether the district is a unitary authority (Southend-on-Sea,
// Thurrock) rather than a district of Essex County Council.
func (l *LAD) Unitary() bool { return l.UTLACode == l.Code }

// LSOA is a 2021 lower-layer super output area with its parents.
type LSOA struct {
	Code     string // E01…
	Name     string // e.g. "Chelmsford 001A"
	MSOACode string
	MSOAName string
	LADCode  string
	// WardCode and WardName are the 2025 ward whose polygon contains the
	// LSOA's centroid (a derived best fit, not an ONS lookup); empty for the
	// one LSOA whose centroid falls outside every ward polygon.
	WardCode string
	WardName string
	Lat, Lon float64 // population-weighted centroid
}

// Ward is a 2025 electoral ward.
type Ward struct {
	Code    string // E05…
	Name    string
	LADCode string
}

// County is the geography of the 14 districts, read from reference data.
type County struct {
	LADs    []LAD  // in ONS code order
	LSOAs   []LSOA // 2021 LSOAs, in code order
	Wards   []Ward // 2025 wards named in the LSOA lookup, in code order
	Sectors []Sector
	// Districts are the postcode districts with their approximate district
	// shares; see [PostcodeDistrict].
	Districts []PostcodeDistrict

	ladIndex   map[string]int
	lsoaIndex  map[string]int
	lsoa11LAD  map[string]string // 2011 LSOA code → LAD code
	lsoasByLAD map[string][]int
}

var (
	essexOnce sync.Once
	essex     *County
	essexErr  error
)

// Essex returns the county's geography, read from the reference data on
// first use and shared afterwards (a County is read-only).
func Essex() (*County, error) {
	essexOnce.Do(func() { essex, essexErr = Load() })
	return essex, essexErr
}

// Load reads the county's geography from the reference data (embedded, or
// the folder CIVICLINK_REFDATA names).
func Load() (*County, error) {
	return load(refdata.ReadFile)
}

// LoadDir reads the county's geography from a folder laid out like the
// shared reference data.
func LoadDir(dir string) (*County, error) {
	return load(func(name string) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			return nil, fault.Errorf(fault.NotFound, "cannot read reference file %s from %s: %v", name, dir, err)
		}
		return b, nil
	})
}

// load reads the county's geography with read, which returns a reference
// file by its path.
func load(read func(name string) ([]byte, error)) (*County, error) {
	c := &County{}
	steps := []struct {
		file string
		read func([]record) error
	}{
		{ladFile, c.readLADs},
		{populationFile, c.readPopulation},
		{lsoa21File, c.readLSOAs},
		{lsoa11File, c.readLSOA11},
		{sectorFile, c.readSectors},
	}
	for _, s := range steps {
		b, err := read(s.file)
		if err != nil {
			return nil, err
		}
		recs, err := readCSV(s.file, b)
		if err != nil {
			return nil, err
		}
		if err := s.read(recs); err != nil {
			return nil, fault.Errorf(fault.Invalid, "reference file %s: %s", s.file, fault.Message(err))
		}
	}
	if err := c.buildDistricts(); err != nil {
		return nil, err
	}
	return c, nil
}

// LAD returns the district with the given ONS code.
func (c *County) LAD(code string) (*LAD, bool) {
	i, ok := c.ladIndex[code]
	if !ok {
		return nil, false
	}
	return &c.LADs[i], true
}

// LADByName returns the district with the given name (case-insensitive).
func (c *County) LADByName(name string) (*LAD, bool) {
	for i := range c.LADs {
		if strings.EqualFold(c.LADs[i].Name, name) {
			return &c.LADs[i], true
		}
	}
	return nil, false
}

// LADCodes returns the 14 district codes in ONS code order.
func (c *County) LADCodes() []string {
	out := make([]string, len(c.LADs))
	for i := range c.LADs {
		out[i] = c.LADs[i].Code
	}
	return out
}

// Population returns the sum of the districts' mid-2022 populations.
func (c *County) Population() int {
	n := 0
	for i := range c.LADs {
		n += c.LADs[i].Population
	}
	return n
}

// LSOA returns the 2021 LSOA with the given code.
func (c *County) LSOA(code string) (*LSOA, bool) {
	i, ok := c.lsoaIndex[code]
	if !ok {
		return nil, false
	}
	return &c.LSOAs[i], true
}

// LSOAsIn returns the 2021 LSOAs of a district, in code order.
func (c *County) LSOAsIn(lad string) []*LSOA {
	idx := c.lsoasByLAD[lad]
	out := make([]*LSOA, len(idx))
	for i, j := range idx {
		out[i] = &c.LSOAs[j]
	}
	return out
}

// LADOfLSOA returns the district of an LSOA code of either vintage (2021 or
// 2011, so that data coded to 2011 LSOAs such as STATS19 can be placed).
func (c *County) LADOfLSOA(code string) (string, bool) {
	if l, ok := c.LSOA(code); ok {
		return l.LADCode, true
	}
	lad, ok := c.lsoa11LAD[code]
	return lad, ok
}

// WardOfLSOA returns the 2025 ward of a 2021 LSOA (by centroid).
func (c *County) WardOfLSOA(code string) (*Ward, bool) {
	l, ok := c.LSOA(code)
	if !ok || l.WardCode == "" {
		return nil, false
	}
	i := sort.Search(len(c.Wards), func(i int) bool { return c.Wards[i].Code >= l.WardCode })
	if i == len(c.Wards) || c.Wards[i].Code != l.WardCode {
		return nil, false
	}
	return &c.Wards[i], true
}

func (c *County) readLADs(recs []record) error {
	c.ladIndex = map[string]int{}
	for _, r := range recs {
		l := LAD{Code: r.get("LADCD"), Name: r.get("LADNM"), UTLACode: r.get("UTLACD"), UTLAName: r.get("UTLANM")}
		c.ladIndex[l.Code] = len(c.LADs)
		c.LADs = append(c.LADs, l)
	}
	if len(c.LADs) != 14 {
		return fault.Errorf(fault.Invalid, "expected the 14 Essex districts, found %d", len(c.LADs))
	}
	sort.Slice(c.LADs, func(i, j int) bool { return c.LADs[i].Code < c.LADs[j].Code })
	for i := range c.LADs {
		c.ladIndex[c.LADs[i].Code] = i
	}
	return nil
}

func (c *County) readPopulation(recs []record) error {
	seen := 0
	for _, r := range recs {
		l, ok := c.LAD(r.get("code"))
		if !ok {
			continue // the county, region and total rows
		}
		var err error
		if l.Population, err = r.int("mye_mid2022_all_ages"); err != nil {
			return err
		}
		if l.Census2011, err = r.int("census2011_usual_residents"); err != nil {
			return err
		}
		if l.Census2021, err = r.int("census2021_usual_residents_rounded_100"); err != nil {
			return err
		}
		seen++
	}
	if seen != len(c.LADs) {
		return fault.Errorf(fault.Invalid, "population given for %d of the %d districts", seen, len(c.LADs))
	}
	return nil
}

func (c *County) readLSOAs(recs []record) error {
	c.lsoaIndex = map[string]int{}
	c.lsoasByLAD = map[string][]int{}
	wards := map[string]Ward{}
	for _, r := range recs {
		l := LSOA{Code: r.get("LSOA21CD"), Name: r.get("LSOA21NM"), MSOACode: r.get("MSOA21CD"), MSOAName: r.get("MSOA21NM"),
			LADCode: r.get("LADCD"), WardCode: r.get("WD25CD_by_centroid"), WardName: r.get("WD25NM_by_centroid")}
		if _, ok := c.LAD(l.LADCode); !ok {
			return fault.Errorf(fault.Invalid, "LSOA %s is in unknown district %q", l.Code, l.LADCode)
		}
		l.Lat, _ = strconv.ParseFloat(r.get("centroid_lat"), 64)
		l.Lon, _ = strconv.ParseFloat(r.get("centroid_lon"), 64)
		c.LSOAs = append(c.LSOAs, l)
		if l.WardCode != "" {
			wards[l.WardCode] = Ward{Code: l.WardCode, Name: l.WardName, LADCode: l.LADCode}
		}
	}
	sort.Slice(c.LSOAs, func(i, j int) bool { return c.LSOAs[i].Code < c.LSOAs[j].Code })
	for i, l := range c.LSOAs {
		c.lsoaIndex[l.Code] = i
		c.lsoasByLAD[l.LADCode] = append(c.lsoasByLAD[l.LADCode], i)
	}
	for _, lad := range c.LADs {
		if len(c.lsoasByLAD[lad.Code]) == 0 {
			return fault.Errorf(fault.Invalid, "district %s has no LSOAs", lad.Code)
		}
	}
	for _, w := range wards {
		c.Wards = append(c.Wards, w)
	}
	sort.Slice(c.Wards, func(i, j int) bool { return c.Wards[i].Code < c.Wards[j].Code })
	return nil
}

func (c *County) readLSOA11(recs []record) error {
	c.lsoa11LAD = make(map[string]string, len(recs))
	for _, r := range recs {
		c.lsoa11LAD[r.get("LSOA11CD")] = r.get("LAD19CD")
	}
	return nil
}

// record is one CSV row (its fields up to the header's count) with the
// file's header.
type record struct {
	r      *csvhead.Reader
	fields []string
}

func (r record) get(col string) string {
	if i := r.r.Index(col); i >= 0 {
		return strings.TrimSpace(r.fields[i])
	}
	return ""
}

func (r record) int(col string) (int, error) {
	v := r.get(col)
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fault.Errorf(fault.Invalid, "column %s: %q is not a whole number", col, v)
	}
	return n, nil
}

// readCSV parses a reference CSV file (named path in errors) with a header.
func readCSV(path string, b []byte) ([]record, error) {
	r, err := csvhead.New(bytes.NewReader(b), csvhead.Options{Ragged: true})
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "reference file %s has no header: %v", path, err)
	}
	var out []record
	for r.Next() {
		fields := make([]string, len(r.Header()))
		for i := range fields {
			fields[i] = r.Field(i)
		}
		out = append(out, record{r: r, fields: fields})
	}
	if err := r.Err(); err != nil {
		return nil, fault.Errorf(fault.Invalid, "reference file %s: %v", path, err)
	}
	return out, nil
}

// String describes the county briefly, e.g. for logs.
func (c *County) String() string {
	return fmt.Sprintf("%d districts, %d LSOAs, %d wards, %d postcode districts, population %d",
		len(c.LADs), len(c.LSOAs), len(c.Wards), len(c.Districts), c.Population())
}
