package synth

import (
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/geo"
)

// The programme's agency datasets hold no people's identities: they record
// what the partnership's Vision projects do (unauthorised encampments and
// how long they last, the employers releasing staff as special
// constables, and the schools visited by fire and police educators), so
// the outcome claims leaders quote can be checked against data. They are
// drawn at the real county's scale, not the synthetic population's: an
// encampment or a school visit is not a resident. Their generator is
// separate from the people's, so adding them left every other dataset's
// records as they were.

// Dates the programme's synthetic agency data turn on.
var (
	// EncampmentUnitStart is when the multi-agency encampments unit
	// starts work: encampments after it are moved on within days.
	EncampmentUnitStart = time.Date(2020, 7, 1, 0, 0, 0, 0, time.UTC)
	// SupportedPolicingStart is when the supported-policing employer
	// scheme opens.
	SupportedPolicingStart = time.Date(2019, 4, 1, 0, 0, 0, 0, time.UTC)
	// JointEducationStart is when fire and police start educating
	// children in schools together.
	JointEducationStart = time.Date(2022, 7, 1, 0, 0, 0, 0, time.UTC)
)

// programmeDataset is one programme dataset: its entry and its rows.
type programmeDataset struct {
	entry   ManifestDataset
	columns []catalog.Column
	rows    func(r *rand.Rand, p programmePeriod, lads []string) [][]string
}

// programmePeriod is the span the county's data covers.
type programmePeriod struct{ start, end time.Time }

var programmeDatasets = []programmeDataset{
	{entry: ManifestDataset{Partner: "districts", ID: "unauthorised_encampments", Name: "Unauthorised encampments",
		Description: "Unauthorised encampments reported to the district councils and police, when each began and ended; a multi-agency unit starts partway through and handles every encampment after it."},
		columns: cols(
			c("reported_on", catalog.TypeDate, catalog.RoleEventDate, "day the encampment was reported"),
			c("ended_on", catalog.TypeDate, "", "day the land was vacated"),
			c("lad", catalog.TypeDistrict, catalog.RoleGeography, "district"),
			cat("land", "whose land", "council", "private", "highway", "school_or_park"),
			c("unit_involved", catalog.TypeBoolean, "", "handled by the multi-agency encampments unit"),
			c("duration_days", catalog.TypeInteger, "", "days from report to vacated, at least 1")),
		rows: encampmentRows},
	{entry: ManifestDataset{Partner: "police", ID: "supported_policing", Name: "Supported-policing employer scheme",
		Description: "Special constables released by their employers under the supported-policing scheme: one row per special constable, with the employer (by sector, not named) and when they joined."},
		columns: cols(
			c("joined_on", catalog.TypeDate, catalog.RoleEventDate, "day the special constable joined under the scheme"),
			cat("employer", "participating employer, by sector", employerCodes...),
			c("lad", catalog.TypeDistrict, catalog.RoleGeography, "district of the workplace"),
			c("hours_per_month", catalog.TypeInteger, "", "volunteered hours the employer releases")),
		rows: constableRows},
	{entry: ManifestDataset{Partner: "fire", ID: "school_education_visits", Name: "School education visits",
		Description: "Safety education sessions in schools, with the children reached; fire and police deliver them jointly from partway through."},
		columns: cols(
			c("visit_date", catalog.TypeDate, catalog.RoleEventDate, ""),
			c("lad", catalog.TypeDistrict, catalog.RoleGeography, "district of the school"),
			cat("phase", "", "primary", "secondary", "special"),
			cat("delivered_by", "", "fire", "police", "joint"),
			cat("topic", "", "fire_safety", "road_safety", "online_safety", "knife_crime", "water_safety"),
			c("children_reached", catalog.TypeInteger, "", "children at the session")),
		rows: visitRows},
}

var employerCodes = []string{"retail", "utility", "university", "council", "hospital_trust", "logistics", "bank", "telecoms"}

// ProgrammeDatasetIDs lists the programme datasets [WriteProgrammeData]
// makes.
func ProgrammeDatasetIDs() []string {
	out := make([]string, len(programmeDatasets))
	for i, d := range programmeDatasets {
		out[i] = d.entry.ID
	}
	return out
}

// WriteProgrammeData writes the programme's agency datasets for the
// period cfg covers into dir (a CSV and a schema file each) and returns
// their manifest entries. The same seed gives the same bytes.
func WriteProgrammeData(cfg Config, dir string) ([]ManifestDataset, error) {
	start, end, err := cfg.period()
	if err != nil {
		return nil, err
	}
	county, err := geo.Load()
	if err != nil {
		return nil, err
	}
	lads := county.LADCodes()
	var out []ManifestDataset
	for i, d := range programmeDatasets {
		r := rand.New(rand.NewPCG(cfg.Seed, 0x9e0+uint64(i)))
		rows := d.rows(r, programmePeriod{start, end}, lads)
		e := d.entry
		e.File, e.Schema, e.Rows = e.ID+".csv", e.ID+".schema.json", int64(len(rows))
		sc := &catalog.Schema{Name: e.ID, Description: e.Description, Columns: append([]catalog.Column{
			{Name: "record_id", Type: catalog.TypeString, Role: catalog.RoleRecordID, Required: true, Unique: true, Description: "the agency's record id"}}, d.columns...)}
		if err := writeProgrammeFiles(dir, e, sc, rows); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func writeProgrammeFiles(dir string, e ManifestDataset, sc *catalog.Schema, rows [][]string) error {
	js, err := sc.MarshalIndent()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, e.Schema), js, 0o644); err != nil {
		return fault.Errorf(fault.Invalid, "cannot write the schema of %s in %s: %v", e.ID, dir, err)
	}
	f, err := os.Create(filepath.Join(dir, e.File))
	if err != nil {
		return fault.Errorf(fault.Invalid, "cannot write %s in %s: %v", e.File, dir, err)
	}
	defer f.Close()
	w := csv.NewWriter(f)
	head := make([]string, len(sc.Columns))
	for i, col := range sc.Columns {
		head[i] = col.Name
	}
	w.Write(head)
	for i, row := range rows {
		w.Write(append([]string{fmt.Sprintf("%s%06d", prefixOf(e.ID), i+1)}, row...))
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return f.Close()
}

func prefixOf(id string) string {
	return map[string]string{"unauthorised_encampments": "UE", "supported_policing": "SP", "school_education_visits": "EV"}[id]
}

// eachDay calls fn for each day of p with a Poisson number of events at
// the daily rate rate(day).
func eachDay(r *rand.Rand, p programmePeriod, rate func(time.Time) float64, fn func(day time.Time)) {
	for d := p.start; !d.After(p.end); d = d.AddDate(0, 0, 1) {
		for range poisson(r, rate(d)) {
			fn(d)
		}
	}
}

// encampmentRows: about 110 encampments a year; before the unit they last
// about 11 days on average (a long tail: court orders take weeks), after
// it most are moved on the next day or the one after.
func encampmentRows(r *rand.Rand, p programmePeriod, lads []string) [][]string {
	var rows [][]string
	lands := []string{"council", "private", "highway", "school_or_park"}
	eachDay(r, p, func(time.Time) float64 { return 110.0 / 365 }, func(day time.Time) {
		unit := !day.Before(EncampmentUnitStart)
		days := 1 + int(math.Floor(r.ExpFloat64()*10.5))
		if unit {
			days = 1 + poisson(r, 0.45)
		}
		rows = append(rows, []string{day.Format(time.DateOnly), day.AddDate(0, 0, days).Format(time.DateOnly),
			lads[r.IntN(len(lads))], lands[r.IntN(len(lands))], strconv.FormatBool(unit), strconv.Itoa(days)})
	})
	return rows
}

// constableRows: five of the sectors' employers join the scheme in its
// first year, and each releases a handful of staff over the years after.
func constableRows(r *rand.Rand, p programmePeriod, lads []string) [][]string {
	var rows [][]string
	order := r.Perm(len(employerCodes))[:5]
	for k, e := range order {
		joins := SupportedPolicingStart.AddDate(0, 2*k, 0)
		lad := lads[r.IntN(len(lads))]
		n := 4 + poisson(r, 7)
		span := int(p.end.Sub(joins).Hours() / 24)
		for range n {
			day := joins.AddDate(0, 0, r.IntN(max(span, 1)))
			rows = append(rows, []string{day.Format(time.DateOnly), employerCodes[e], lad, strconv.Itoa(12 + 4*r.IntN(5))})
		}
	}
	return rows
}

// visitRows: fire alone visits about 90 schools a month; from the joint
// programme's start fire and police go together to about 280 a month,
// reaching a class to a whole school each time.
func visitRows(r *rand.Rand, p programmePeriod, lads []string) [][]string {
	var rows [][]string
	phases := []string{"primary", "secondary", "special"}
	topics := []string{"fire_safety", "road_safety", "online_safety", "knife_crime", "water_safety"}
	eachDay(r, p, func(d time.Time) float64 {
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday || d.Month() == time.August {
			return 0
		}
		if d.Before(JointEducationStart) {
			return 90.0 / 21
		}
		return 280.0 / 21
	}, func(day time.Time) {
		by, topic := "fire", "fire_safety"
		if !day.Before(JointEducationStart) {
			by, topic = "joint", topics[r.IntN(len(topics))]
		}
		phase := phases[pickIndex(r, 0.7, 0.27, 0.03)]
		children := int(math.Round(math.Exp(3.9 + 0.55*r.NormFloat64())))
		rows = append(rows, []string{day.Format(time.DateOnly), lads[r.IntN(len(lads))], phase, by, topic, strconv.Itoa(max(children, 8))})
	})
	return rows
}

func pickIndex(r *rand.Rand, ws ...float64) int {
	u := r.Float64()
	for i, w := range ws {
		if u < w {
			return i
		}
		u -= w
	}
	return len(ws) - 1
}
