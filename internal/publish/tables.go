package publish

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
)

// Indicator describes one figure that can be mapped by district.
type Indicator struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Unit        string `json:"unit,omitempty"`
	DatasetID   string `json:"dataset,omitempty"`
}

// DistrictValue is one district's published value. Suppressed values have
// no Value and show as [c].
type DistrictValue struct {
	Code       string   `json:"code"`
	Name       string   `json:"name"`
	Value      *float64 `json:"value"`
	Suppressed bool     `json:"suppressed,omitempty"`
	Display    string   `json:"display"`
}

// DistrictTable is an indicator's values for every district, already
// through disclosure control.
type DistrictTable struct {
	Indicator Indicator `json:"indicator"`
	Purpose   string    `json:"purpose"`
	// Period is the time the figures cover (e.g. "12 months to 2023-12");
	// the indicator's Unit says what the rates are per.
	Period string          `json:"period,omitempty"`
	Values []DistrictValue `json:"values"`
	Total  string          `json:"total"`
	// Notes say what disclosure control did, for the table's caption.
	Notes []string `json:"notes,omitempty"`
	// Protection says how the figures were protected (methods, threshold,
	// period, and the note the page footnotes).
	Protection any `json:"protection,omitempty"`

	areas *areaSlices // an LSOA table's district slices (areas.go)
}

// clone copies a table so that callers cannot change each other's (or the
// cached one).
func (t *DistrictTable) clone() *DistrictTable {
	cp := *t
	cp.Values, cp.Notes = slices.Clone(t.Values), slices.Clone(t.Notes)
	return &cp
}

// Source lists the figures that can be mapped and computes one for every
// district. Districts asks the access gate (through insight) and returns
// only disclosure-controlled values.
type Source interface {
	Indicators(ctx context.Context) ([]Indicator, error)
	Districts(ctx context.Context, u *govern.User, id, purpose string) (*DistrictTable, error)
}

// NamedPrefix marks the ids of the partnership's named indicators.
const NamedPrefix = "ind:"

// shippedIndicators are insight's named indicators, read from the binary
// once (they cannot change while it runs).
var shippedIndicators = sync.OnceValues(insight.Indicators)

// FindIndicator returns a shipped indicator by name, as
// insight.FindIndicator does (whose error names the choices).
func FindIndicator(name string) (*insight.Indicator, error) {
	all, err := shippedIndicators()
	if err != nil {
		return nil, err
	}
	if ind, ok := all[name]; ok {
		return ind, nil
	}
	return insight.FindIndicator(name)
}

// GroupDigits writes n with thousands separators: 17,473.
func GroupDigits(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// cachedTable is the table published for rel, from c or computed from rel
// when not kept (or rel may not be reused); each caller gets its own copy.
func cachedTable(ctx context.Context, c *Cache, rel *insight.Release, compute func(*insight.Release) (*DistrictTable, error)) (*DistrictTable, error) {
	t, err := Fetch(ctx, c, 0, rel.Key, func() (*DistrictTable, error) { return compute(rel) })
	if err != nil {
		return nil, err
	}
	return t.clone(), nil
}
