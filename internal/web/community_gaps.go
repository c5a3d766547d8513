package web

import (
	"net/http"

	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/publish"
)

// communityGapRoutes are need beside support: the theme's indicator by
// district (disclosure-controlled, read as the signed-in user under the
// agreements) beside the services for the theme per 10,000 residents.
func (s *Server) communityGapRoutes() []route {
	return []route{
		{method: "GET", path: "/api/community/gaps", api: true, summary: "Need beside support for a theme (?theme=): its indicator rate by district beside services per 10,000 residents, largest support gaps first", result: "CommunityGaps", handle: s.apiCommunityGaps},
		{method: "GET", path: "/api/community/gaps/lsoa", api: true, summary: "Need beside support by LSOA for one district (?theme=&district=&reach_km=): the theme's indicator counted by LSOA (disclosure-controlled) beside the services for the theme within reach", result: "CommunityAreaGaps", handle: s.apiCommunityAreaGaps},
		{method: "GET", path: "/community/gaps", summary: "Need beside support: support gaps by district for a theme", handle: s.pageCommunityGaps},
	}
}

// gapThemes are the themes with an indicator of need.
func gapThemes() []option {
	var out []option
	for _, t := range community.Themes {
		if t.Indicator != "" {
			out = append(out, option{t.ID, t.Title})
		}
	}
	return out
}

// communityGaps computes need beside support for the request's theme.
func (s *Server) communityGaps(r *http.Request) (*community.Theme, []community.Gap, *publish.DistrictTable, error) {
	th, err := gapTheme(r.URL.Query().Get("theme"))
	if err != nil {
		return th, nil, nil, err
	}
	if s.cfg.Indicators == nil {
		return th, nil, nil, fault.Errorf(fault.NotFound, "this server has no indicators configured")
	}
	tab, err := s.cfg.Indicators.Districts(r.Context(), who(r).User, publish.NamedPrefix+th.Indicator, "")
	if err != nil {
		return th, nil, nil, err
	}
	ix, err := s.cfg.Community.Published(r.Context())
	if err != nil {
		return th, nil, nil, err
	}
	var need []community.Need
	for _, v := range tab.Values {
		need = append(need, community.Need{District: v.Code, Name: v.Name, Rate: v.Value, Display: v.Display})
	}
	residents := map[string]int{}
	if p := s.cfg.Community.Placer; p != nil {
		for _, l := range p.County.LADs {
			residents[l.Code] = l.Population
		}
	}
	return th, community.Gaps(need, ix.Support(th.ID), residents), tab, nil
}

func (s *Server) apiCommunityGaps(w http.ResponseWriter, r *http.Request) error {
	th, gaps, tab, err := s.communityGaps(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"theme": th, "indicator": tab.Indicator, "notes": tab.Notes, "districts": gaps})
	return nil
}

func (s *Server) pageCommunityGaps(w http.ResponseWriter, r *http.Request) error {
	data := map[string]any{"Title": "Need beside support", "Themes": gapThemes(), "Districts": s.districtOptions(), "District": r.URL.Query().Get("district")}
	th, gaps, tab, err := s.communityGaps(r)
	if th != nil {
		data["Theme"] = th
	}
	if err != nil {
		if c := fault.Code(err); c != fault.Forbidden && c != fault.Invalid && c != fault.Disclosure && c != fault.NotFound {
			return err
		}
		data["Error"] = fault.Message(err)
	} else {
		data["Gaps"], data["Table"] = gaps, tab
	}
	if r.URL.Query().Get("district") != "" && err == nil {
		ag, err := s.communityAreaGaps(r)
		if err != nil {
			if c := fault.Code(err); c != fault.Forbidden && c != fault.Invalid && c != fault.Disclosure && c != fault.NotFound {
				return err
			}
			data["AreaError"] = fault.Message(err)
		} else {
			data["Areas"] = ag
		}
	}
	s.render(w, r, http.StatusOK, "community-gaps", data)
	return nil
}

func init() {
	queryParams["/api/community/gaps"] = []obj{{"name": "theme", "in": "query", "required": false, "description": "a theme with an indicator of need (default domestic-abuse)", "schema": str()}}
	schemas["CommunityGaps"] = obj{"type": "object", "properties": obj{
		"theme": obj{"type": "object"}, "indicator": obj{"type": "object"}, "notes": arr(str()),
		"districts": arr(obj{"type": "object", "properties": obj{
			"district": str(), "name": str(), "rate": obj{"type": "number", "nullable": true}, "display": str(),
			"services": integer(), "residents": integer(), "per_10000": obj{"type": "number"},
			"score": obj{"type": "number"}, "support_gap": obj{"type": "boolean"}, "unknown": obj{"type": "boolean"},
		}}),
	}}
}

// themeSupport is a directory theme whose need a theme page shows, with
// how many published services support it.
type themeSupport struct {
	Theme     community.Theme
	Indicator string // the theme page's indicator that measures the need
	Services  int
}

// supportBeside lists, for a theme page, the directory's themes whose need
// one of its indicators measures, with their published services: the page
// links each to the public map and to need beside support. Nil without a
// directory.
func (s *Server) supportBeside(r *http.Request, sum publish.ThemeSummary) []themeSupport {
	if s.cfg.Community == nil {
		return nil
	}
	ix, err := s.cfg.Community.Published(r.Context())
	if err != nil {
		return nil // the figures stand without it
	}
	var out []themeSupport
	for _, th := range community.Themes {
		for _, ind := range sum.Indicators {
			if th.Indicator != "" && ind.ID == publish.NamedPrefix+th.Indicator {
				out = append(out, themeSupport{Theme: th, Indicator: ind.Name, Services: len(ix.Match(community.Query{Theme: th.ID}))})
			}
		}
	}
	return out
}
