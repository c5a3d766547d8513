// Package synth builds a synthetic county: people in households at Essex
// addresses, their births, deaths and moves, and the records that the
// partnership's agencies keep about them, each agency recording identity its
// own way and getting it wrong the way people do. Because the generator knows
// who every record is about, the output carries its own ground truth, which
// linkage, cohort and disclosure tests measure themselves against.
//
// Output is deterministic: the same [Config] (people, seed, settings) gives
// the same bytes, however many workers generate it. Households are generated
// independently from random streams keyed by (seed, household index), in
// chunks that workers build in parallel and one writer streams to disk in
// order. See docs/synth.md.
package synth

import (
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// MaxPeople caps the county's size: NHS-like numbers hold the person index
// in seven digits.
const MaxPeople = 10_000_000

// Config sets what [Generate] makes. Start from [DefaultConfig].
type Config struct {
	People int    `json:"people"`
	Seed   uint64 `json:"seed"`
	// Start and End bound the period the agencies' records cover
	// (inclusive), as YYYY-MM-DD. Ages are given at End.
	Start string `json:"start"`
	End   string `json:"end"`
	// Errors are the identity error rates before each dataset's
	// ErrorScale.
	Errors ErrorRates `json:"errors"`
	// Datasets tunes each dataset by id: its event-rate and error-rate
	// multipliers. Missing ids keep their defaults.
	Datasets map[string]DatasetSettings `json:"datasets"`
	// Workers is how many goroutines generate (0: GOMAXPROCS). It never
	// changes the output.
	Workers int `json:"-"`
}

// DatasetSettings tunes one agency dataset.
type DatasetSettings struct {
	// RateScale multiplies the dataset's event rates (1: as designed).
	RateScale float64 `json:"rate_scale"`
	// ErrorScale multiplies every identity error rate for this agency.
	ErrorScale float64 `json:"error_scale"`
	// NHSPresent is the share of records carrying an NHS number, for
	// datasets that have the column.
	NHSPresent float64 `json:"nhs_present,omitempty"`
}

// ErrorRates are the probabilities, per record, of each kind of identity
// error. A rate applies to the records where the error is possible (a
// nickname needs a forename that has one; a day/month swap needs a day of
// 12 or less that differs from the month; a stale postcode needs a move
// before the event), and is multiplied by the dataset's ErrorScale (capped
// at 1).
type ErrorRates struct {
	KeyboardTypo      float64 `json:"keyboard_typo"`      // a neighbouring key in a name
	PhoneticTypo      float64 `json:"phonetic_typo"`      // a name spelt as it sounds (ph/f, ie/y, …)
	Nickname          float64 `json:"nickname"`           // Bill for William
	NameSwap          float64 `json:"name_swap"`          // forename and surname swapped
	SurnameHyphenated float64 `json:"surname_hyphenated"` // former and current surname joined
	SurnameChanged    float64 `json:"surname_changed"`    // a former surname (maiden name, alias)
	DOBTransposed     float64 `json:"dob_transposed"`     // day and month swapped
	DOBMissing        float64 `json:"dob_missing"`
	NHSWrong          float64 `json:"nhs_wrong"` // a mistyped digit or a relative's number
	StalePostcode     float64 `json:"stale_postcode"`
	PostcodeMissing   float64 `json:"postcode_missing"`
	CaseNoise         float64 `json:"case_noise"`       // UPPER or lower case names
	WhitespaceNoise   float64 `json:"whitespace_noise"` // stray and doubled spaces
	Duplicate         float64 `json:"duplicate"`        // the record entered twice
}

// DefaultErrorRates are the identity error rates of an ordinary agency.
func DefaultErrorRates() ErrorRates {
	return ErrorRates{
		KeyboardTypo: 0.02, PhoneticTypo: 0.015, Nickname: 0.08, NameSwap: 0.01,
		SurnameHyphenated: 0.03, SurnameChanged: 0.05, DOBTransposed: 0.02, DOBMissing: 0.01,
		NHSWrong: 0.02, StalePostcode: 0.3, PostcodeMissing: 0.02, CaseNoise: 0.1, WhitespaceNoise: 0.03,
		Duplicate: 0.02,
	}
}

// DefaultConfig returns the settings of an Essex-like county of n people.
func DefaultConfig(n int, seed uint64) Config {
	c := Config{People: n, Seed: seed, Start: "2018-01-01", End: "2023-12-31", Errors: DefaultErrorRates(),
		Datasets: map[string]DatasetSettings{}}
	for _, d := range datasets {
		c.Datasets[d.id] = d.defaults
	}
	return c
}

// DemoConfig returns the settings of the county `civiclink demo` builds:
// [DefaultConfig] with the event rates of a few datasets multiplied (see
// demoRateScales), so that their district figures are not all suppressed.
// DefaultConfig stays the Essex-like county that linkage and disclosure
// are measured on.
func DemoConfig(n int, seed uint64) Config {
	c := DefaultConfig(n, seed)
	for id, scale := range demoRateScales {
		s := c.Datasets[id]
		s.RateScale *= scale
		c.Datasets[id] = s
	}
	return c
}

// demoRateScales are the multipliers [DemoConfig] applies to datasets'
// event rates. The demo's county of 10,000 people stands in for Essex's
// 1.9 million: at real rates, a figure counting a few hundred events a
// year across Essex has one or two a year in each of the demo's 14
// districts, and every district is [c] (counts below 10 are withheld)
// over any period. Scaled up, most districts reach the threshold over
// the years the data covers, so the demo's maps show something. The
// figures are then denser than real ones, which is why the theme pages
// call them synthetic and never real rates. Physical-activity assessments
// (NHS Health Checks, about one adult of 40–74 in ten a year, as in life)
// and the school census are not scaled: their share figures publish over
// a longer default period, and a rate cannot make a Reception cohort
// larger.
var demoRateScales = map[string]float64{
	// Section 136 detentions: as designed, about 0.9 per 1,000 residents
	// a year (England: some 30,000–35,000 a year, about 0.6 per 1,000);
	// scaled, about 6 per 1,000 — ten times England's — so that most
	// districts count 10 or more over the six years.
	"s136_detentions": 6,
	// Homelessness presentations: as designed, about 2.7 per 1,000
	// residents a year; scaled, about 5.5, near England's (some 300,000
	// households a year owed a prevention or relief duty, about 5 per
	// 1,000 residents).
	"homelessness": 2,
	// Road casualties: as designed, about 2.2 per 1,000 residents a year
	// of which 0.3 killed or seriously injured (Essex in STATS19, 2018:
	// 4,226 casualties, 931 KSI — 2.3 and 0.5 per 1,000); scaled, about
	// 3 KSI per 1,000 a year — six times Essex's — so that most
	// districts count 10 KSI or more over the years covered.
	"road_casualties": 10,
}

// Validate checks the settings and fills the datasets left unset.
func (c *Config) Validate() error {
	if c.People < 1 || c.People > MaxPeople {
		return fault.Errorf(fault.Invalid, "people must be between 1 and %d (got %d)", MaxPeople, c.People)
	}
	start, end, err := c.period()
	if err != nil {
		return err
	}
	if !end.After(start) || end.Year()-start.Year() > 30 {
		return fault.Errorf(fault.Invalid, "the period %s to %s must run forwards and span at most 30 years", c.Start, c.End)
	}
	if err := c.Errors.validate(); err != nil {
		return err
	}
	if c.Datasets == nil {
		c.Datasets = map[string]DatasetSettings{}
	}
	for id := range c.Datasets {
		if datasetIndex(id) < 0 {
			return fault.Errorf(fault.Invalid, "unknown dataset %q in settings; known: %v", id, DatasetIDs())
		}
	}
	for _, d := range datasets {
		s, ok := c.Datasets[d.id]
		if !ok {
			s = d.defaults
		}
		if s.RateScale < 0 || s.ErrorScale < 0 || s.NHSPresent < 0 || s.NHSPresent > 1 {
			return fault.Errorf(fault.Invalid, "dataset %s: rate_scale and error_scale must be ≥ 0 and nhs_present in [0,1]", d.id)
		}
		c.Datasets[d.id] = s
	}
	if c.Workers < 0 {
		return fault.Errorf(fault.Invalid, "workers must be ≥ 0")
	}
	return nil
}

func (c *Config) period() (time.Time, time.Time, error) {
	start, err := time.Parse(time.DateOnly, c.Start)
	if err != nil {
		return time.Time{}, time.Time{}, fault.Errorf(fault.Invalid, "start %q is not a date as YYYY-MM-DD", c.Start)
	}
	end, err := time.Parse(time.DateOnly, c.End)
	if err != nil {
		return time.Time{}, time.Time{}, fault.Errorf(fault.Invalid, "end %q is not a date as YYYY-MM-DD", c.End)
	}
	return start, end, nil
}

// rates lists the rates with their kinds, in [ErrorKind] order.
func (e *ErrorRates) rates() [numKinds]float64 {
	return [numKinds]float64{e.KeyboardTypo, e.PhoneticTypo, e.Nickname, e.NameSwap, e.SurnameHyphenated,
		e.SurnameChanged, e.DOBTransposed, e.DOBMissing, e.NHSWrong, e.StalePostcode, e.PostcodeMissing,
		e.CaseNoise, e.WhitespaceNoise, e.Duplicate}
}

func (e *ErrorRates) validate() error {
	for k, r := range e.rates() {
		if r < 0 || r > 1 {
			return fault.Errorf(fault.Invalid, "error rate %s must be between 0 and 1 (got %v)", ErrorKind(k), r)
		}
	}
	return nil
}

// ErrorKind is a kind of identity error, as named in truth.csv.
type ErrorKind int

// The kinds of identity error, in [ErrorRates] order.
const (
	KeyboardTypo ErrorKind = iota
	PhoneticTypo
	Nickname
	NameSwap
	SurnameHyphenated
	SurnameChanged
	DOBTransposed
	DOBMissing
	NHSWrong
	StalePostcode
	PostcodeMissing
	CaseNoise
	WhitespaceNoise
	Duplicate
	numKinds
)

var kindNames = [numKinds]string{"keyboard_typo", "phonetic_typo", "nickname", "name_swap", "surname_hyphenated",
	"surname_changed", "dob_transposed", "dob_missing", "nhs_wrong", "stale_postcode", "postcode_missing",
	"case_noise", "whitespace_noise", "duplicate"}

// String returns the kind's name as used in truth.csv and the settings.
func (k ErrorKind) String() string {
	if k < 0 || k >= numKinds {
		return "unknown"
	}
	return kindNames[k]
}

// ErrorKinds lists every kind.
func ErrorKinds() []ErrorKind {
	out := make([]ErrorKind, numKinds)
	for i := range out {
		out[i] = ErrorKind(i)
	}
	return out
}
