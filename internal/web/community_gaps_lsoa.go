package web

import (
	"net/http"
	"strconv"

	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/publish"
)

// Need beside support per small area: for the LSOAs of one district, the
// theme's indicator counted by LSOA (disclosure-controlled, read as the
// signed-in user under the agreements: one access decision and one audit
// entry per view) beside the services for the theme within reach.

// defaultReachKm is how far a service is "within reach" of an LSOA's
// population-weighted centre unless the request says.
const defaultReachKm = 2.0

// areaGaps is need beside support for the LSOAs of one district.
type areaGaps struct {
	Theme     *community.Theme  `json:"theme"`
	Indicator publish.Indicator `json:"indicator"`
	District  string            `json:"district"`
	Name      string            `json:"district_name"`
	ReachKm   float64           `json:"reach_km"`
	// Unplaced is how many services for the theme in the district are
	// placed only to the district (a postcode alone): not counted in reach.
	Unplaced int             `json:"unplaced"`
	Notes    []string        `json:"notes"`
	Areas    []community.Gap `json:"lsoas"`
}

// communityAreaGaps computes need beside support for the request's theme
// (?theme=) and district (?district=) by LSOA.
func (s *Server) communityAreaGaps(r *http.Request) (*areaGaps, error) {
	q := r.URL.Query()
	th, err := gapTheme(q.Get("theme"))
	if err != nil {
		return nil, err
	}
	km := defaultReachKm
	if t := q.Get("reach_km"); t != "" {
		if km, err = strconv.ParseFloat(t, 64); err != nil || km < 0.5 || km > 20 {
			return nil, fault.FieldErrorf(fault.Invalid, "reach_km", "reach_km %q: give a distance from 0.5 to 20 km", t)
		}
	}
	ai, ok := s.cfg.Indicators.(AreaIndicators)
	if !ok || s.cfg.Community.Placer == nil {
		return nil, fault.Errorf(fault.NotFound, "this server has no indicators by small area")
	}
	tab, err := ai.Areas(r.Context(), who(r).User, publish.NamedPrefix+th.Indicator, s.purpose(r), q.Get("district"), publish.LevelLSOA)
	if err != nil {
		return nil, err
	}
	ix, err := s.cfg.Community.Published(r.Context())
	if err != nil {
		return nil, err
	}
	within, unplaced := ix.Reach(s.cfg.Community.Placer, th.ID, tab.District, km)
	need := make([]community.Need, 0, len(tab.Values))
	for _, v := range tab.Values {
		need = append(need, community.Need{District: v.Code, Name: v.Name, Rate: v.Value, Display: v.Display})
	}
	notes := append([]string{"Need is the indicator's count by LSOA as published ([c]: suppressed, no verdict); the reference data has no LSOA populations, so there is no rate."}, tab.Notes...)
	return &areaGaps{Theme: th, Indicator: tab.Indicator, District: tab.District, Name: tab.Name, ReachKm: km, Unplaced: unplaced,
		Notes: notes, Areas: community.AreaGaps(need, within)}, nil
}

// gapTheme is the theme a need-beside-support view asks for (default
// domestic abuse), which must have an indicator of need.
func gapTheme(id string) (*community.Theme, error) {
	if id == "" {
		id = "domestic-abuse"
	}
	th, err := community.FindTheme(id)
	if err != nil {
		return nil, err
	}
	if th.Indicator == "" {
		return th, fault.FieldErrorf(fault.Invalid, "theme", "theme %s has no indicator of need: choose one of the listed themes", id)
	}
	return th, nil
}

func (s *Server) apiCommunityAreaGaps(w http.ResponseWriter, r *http.Request) error {
	g, err := s.communityAreaGaps(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, g)
	return nil
}

func init() {
	queryParams["/api/community/gaps/lsoa"] = []obj{
		{"name": "theme", "in": "query", "required": false, "description": "a theme with an indicator of need (default domestic-abuse)", "schema": str()},
		{"name": "district", "in": "query", "required": true, "description": "a local authority district code, e.g. E07000070", "schema": str()},
		{"name": "reach_km", "in": "query", "required": false, "description": "how far a service may be from an LSOA's population-weighted centre to count as within reach, 0.5–20 km (default 2)", "schema": obj{"type": "number"}},
		{"name": "purpose", "in": "query", "required": false, "description": "the purpose the need is read for (default the server's)", "schema": str()},
	}
	schemas["CommunityAreaGaps"] = obj{"type": "object", "properties": obj{
		"theme": obj{"type": "object"}, "indicator": obj{"type": "object"}, "district": str(), "district_name": str(),
		"reach_km": obj{"type": "number"}, "unplaced": integer(), "notes": arr(str()),
		"lsoas": arr(obj{"type": "object", "properties": obj{
			"district": obj{"type": "string", "description": "the LSOA code"}, "name": str(),
			"rate": obj{"type": "number", "nullable": true, "description": "the need as a published count; null when suppressed"}, "display": str(),
			"services": obj{"type": "integer", "description": "services for the theme within reach"},
			"score":    obj{"type": "number"}, "support_gap": obj{"type": "boolean"}, "unknown": obj{"type": "boolean"},
		}}),
	}}
}
