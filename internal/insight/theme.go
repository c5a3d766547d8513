package insight

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	"github.com/civiclink/civiclink/internal/definitions"
	"github.com/civiclink/civiclink/internal/fault"
)

// Theme is one of the partnership's priorities (internal/definitions/themes): its
// indicators are the shipped ones whose Theme is its ID; Cohorts names the
// shipped cohorts that belong with it.
type Theme struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	// Order places the theme in lists.
	Order      int          `json:"order"`
	Cohorts    []string     `json:"cohorts"`
	Indicators []*Indicator `json:"indicators"`
}

// Themes returns the shipped themes in order, each with its indicators
// (sorted by name). Every indicator must belong to a theme, and every
// cohort a theme names must exist.
func Themes() ([]*Theme, error) {
	files, err := definitions.Kind("themes")
	if err != nil {
		return nil, err
	}
	inds, err := Indicators()
	if err != nil {
		return nil, err
	}
	cohorts, err := NamedCohorts()
	if err != nil {
		return nil, err
	}
	byID := map[string]*Theme{}
	var out []*Theme
	for _, file := range files {
		f := file.Path
		dec := json.NewDecoder(bytes.NewReader(file.Data))
		dec.DisallowUnknownFields()
		var t Theme
		if err := dec.Decode(&t); err != nil {
			return nil, fault.Errorf(fault.Internal, "shipped theme %s: %v", f, err)
		}
		for _, c := range t.Cohorts {
			if cohorts[c] == nil {
				return nil, fault.Errorf(fault.Internal, "shipped theme %s: no cohort %q", f, c)
			}
		}
		byID[t.ID] = &t
		out = append(out, &t)
	}
	var names []string
	for n := range inds {
		names = append(names, n)
	}
	// By name, the synthetic county's own indicators (with district
	// figures) before the real county-wide ones: a theme page opens on its
	// first indicator, which should have a map.
	sort.Slice(names, func(i, j int) bool {
		if a, b := inds[names[i]].RealData, inds[names[j]].RealData; a != b {
			return b
		}
		return names[i] < names[j]
	})
	for _, n := range names {
		t := byID[inds[n].Theme]
		if t == nil {
			return nil, fault.Errorf(fault.Internal, "shipped indicator %s: no theme %q", n, inds[n].Theme)
		}
		t.Indicators = append(t.Indicators, inds[n])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	return out, nil
}

// FindTheme returns a shipped theme by id.
func FindTheme(id string) (*Theme, error) {
	all, err := Themes()
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, t := range all {
		if t.ID == id {
			return t, nil
		}
		ids = append(ids, t.ID)
	}
	return nil, fault.Errorf(fault.NotFound, "no theme %q: try %s", id, strings.Join(ids, ", "))
}
