package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/fault"
)

// communityRoutes lists the community-support directory's routes: the
// public, read-only ORUK API and map (no sign-in), the public suggestion
// form, and the moderation queue for community editors.
func (s *Server) communityRoutes() []route {
	if s.cfg.Community == nil {
		return nil
	}
	return append([]route{
		{method: "GET", path: "/api/community/services", api: true, open: true, summary: "Published community services in the Open Referral UK API shape, paged (public, read-only)", result: "CommunityServicePage", handle: s.apiCommunityServices},
		{method: "GET", path: "/api/community/services/{id}", api: true, open: true, summary: "A published community service with its organisation, locations, schedules and consented contacts (public)", result: "CommunityService", handle: s.apiCommunityService},
		{method: "GET", path: "/api/community/points", api: true, open: true, summary: "Every published service location matching the filters, for the map (public)", result: "CommunityPoints", handle: s.apiCommunityPoints},
		{method: "GET", path: "/api/community/boundaries", api: true, open: true, summary: "District boundaries for the public map as GeoJSON (properties code, name)", result: "application/geo+json", handle: s.apiCommunityBoundaries},
		{method: "GET", path: "/api/community/export/{format}", api: true, open: true, summary: "The published directory as open data: format oruk-json (the ORUK data package tables), csv (a row per service at a location) or geojson; contacts only with recorded consent (public)", result: "text/csv", handle: s.apiCommunityExport},
		{method: "GET", path: "/community", open: true, summary: "The public community support map and list", handle: s.pageCommunity},
		{method: "GET", path: "/community/services/{id}", open: true, summary: "A community service's public page", handle: s.pageCommunityService},
	}, append(append(s.communityEditRoutes(), s.communityGapRoutes()...), s.communityVolunteerRoutes()...)...)
}

// communityQuery reads the directory's filters from a request:
// text, theme, district, day, open_now, kind, page, per_page.
func (s *Server) communityQuery(r *http.Request) (community.Query, error) {
	v := r.URL.Query()
	q := community.Query{Text: strings.TrimSpace(v.Get("text")), Theme: v.Get("theme"), District: v.Get("district"),
		Day: strings.ToUpper(v.Get("day")), Kind: community.Kind(v.Get("kind"))}
	if on := v.Get("open_now"); on == "true" || on == "on" || on == "1" {
		q.OpenAt = s.cfg.Clock.Now()
	}
	for _, p := range []struct {
		name string
		to   *int
	}{{"page", &q.Page}, {"per_page", &q.PerPage}} {
		if t := v.Get(p.name); t != "" {
			n, err := strconv.Atoi(t)
			if err != nil {
				return q, fault.FieldErrorf(fault.Invalid, p.name, "%s %q is not a whole number", p.name, t)
			}
			*p.to = n
		}
	}
	return q, q.Validate()
}

// communitySearch reads the request's filters and the published index.
func (s *Server) communitySearch(r *http.Request) (community.Query, *community.Index, error) {
	q, err := s.communityQuery(r)
	if err != nil {
		return q, nil, err
	}
	ix, err := s.cfg.Community.Published(r.Context())
	return q, ix, err
}

// communityService is the published service the request's {id} names.
func (s *Server) communityService(r *http.Request) (*community.Version, error) {
	ix, err := s.cfg.Community.Published(r.Context())
	if err != nil {
		return nil, err
	}
	return ix.Get(r.PathValue("id"))
}

func (s *Server) apiCommunityServices(w http.ResponseWriter, r *http.Request) error {
	q, ix, err := s.communitySearch(r)
	if err != nil {
		return err
	}
	p, err := ix.Search(q)
	if err != nil {
		return err
	}
	head, err := json.Marshal(struct {
		*community.Page
		Empty bool `json:"empty"`
	}{Page: p, Empty: p.Total == 0})
	if err != nil {
		return err
	}
	// The page's fields, then its services as the index encoded them once
	// per published directory (not encoded, nor checked, again).
	body := append(head[:len(head)-1], `,"contents":[`...)
	for k, i := range p.Positions {
		if k > 0 {
			body = append(body, ',')
		}
		body = append(body, ix.PublicJSON(i)...)
	}
	body = append(body, "]}\n"...)
	w.Header().Set("Access-Control-Allow-Origin", "*") // open data
	writeJSONBytes(w, http.StatusOK, body)
	return nil
}

func (s *Server) apiCommunityService(w http.ResponseWriter, r *http.Request) error {
	v, err := s.communityService(r)
	if err != nil {
		return err
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	writeJSON(w, http.StatusOK, v.Public())
	return nil
}

// communityPoint is one service at one location on the map.
type communityPoint struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Lat       float64  `json:"lat"`
	Lon       float64  `json:"lon"`
	Precision string   `json:"precision"`
	Kind      string   `json:"kind"`
	Themes    []string `json:"themes"`
	Town      string   `json:"town,omitempty"`
}

func (s *Server) apiCommunityPoints(w http.ResponseWriter, r *http.Request) error {
	q, ix, err := s.communitySearch(r)
	if err != nil {
		return err
	}
	out := []communityPoint{}
	all := ix.All()
	for _, i := range ix.Match(q) {
		sv := &all[i].Service
		for _, l := range sv.Locations {
			if q.District != "" && l.District != q.District {
				continue
			}
			out = append(out, communityPoint{ID: sv.ID, Name: sv.Name, Lat: l.Latitude, Lon: l.Longitude, Precision: string(l.Precision),
				Kind: string(sv.Organisation.Kind), Themes: sv.Themes, Town: l.Town})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"points": out})
	return nil
}

func (s *Server) apiCommunityBoundaries(w http.ResponseWriter, r *http.Request) error {
	return s.apiDistricts(w, r)
}

// The query parameters and schemas of the community API, and the labels of
// its form fields.
func init() {
	for f, label := range map[string]string{"text": "Search", "theme": "Theme", "district": "District", "day": "Open on", "kind": "Kind",
		"page": "Page", "per_page": "Per page", "reason": "Reason", "note": "Note"} {
		fieldLabels[f] = label
	}
	q := func(name, desc string, schema obj) obj {
		return obj{"name": name, "in": "query", "required": false, "description": desc, "schema": schema}
	}
	filters := []obj{
		q("text", "every word must appear in the service's name, description, organisation, address or themes", str()),
		q("theme", "a theme id (taxonomy term), e.g. food", str()),
		q("district", "a local authority district code, e.g. E07000070", str()),
		q("day", "open on this day: MO TU WE TH FR SA SU", str()),
		q("open_now", "true: open now (county time)", obj{"type": "boolean"}),
		q("kind", "formal or informal", obj{"type": "string", "enum": []string{"formal", "informal"}}),
	}
	paging := []obj{q("page", "page number, from 1", integer()), q("per_page", "services a page, 1–200 (default 50)", integer())}
	queryParams["/api/community/services"] = append(append([]obj{}, filters...), paging...)
	queryParams["/api/community/points"] = filters

	location := obj{"type": "object", "properties": obj{
		"id": str(), "name": str(), "address_1": str(), "city": str(), "postal_code": str(),
		"latitude": obj{"type": "number"}, "longitude": obj{"type": "number"},
		"x_lsoa": str(), "x_district": str(), "x_cross_border": obj{"type": "boolean"},
		"x_precision": obj{"type": "string", "enum": []string{"point", "lsoa", "district"}, "description": "point: as given; lsoa: the LSOA's population-weighted centroid; district: the mean of the district's LSOA centroids (a postcode alone)"},
	}}
	schemas["CommunityService"] = obj{"type": "object", "properties": obj{
		"id": str(), "name": str(), "description": str(), "url": str(), "email": str(),
		"eligibility_description": str(), "cost": str(), "themes": arr(str()),
		"organization": obj{"type": "object", "properties": obj{"id": str(), "name": str(), "description": str(), "url": str(), "charity_number": str(),
			"x_kind": obj{"type": "string", "enum": []string{"formal", "informal"}}}},
		"locations":         arr(location),
		"contacts":          arr(obj{"type": "object", "description": "only contacts whose consent to publication is recorded", "properties": obj{"id": str(), "name": str(), "title": str(), "phone": str(), "email": str()}}),
		"regular_schedules": arr(obj{"type": "object", "properties": obj{"byday": str(), "opens_at": str(), "closes_at": str()}}),
		"x_version":         integer(), "x_published_at": obj{"type": "string", "format": "date-time"},
	}}
	schemas["CommunityServicePage"] = obj{"type": "object", "properties": obj{
		"total_items": integer(), "total_pages": integer(), "page_number": integer(), "size": integer(),
		"first_page": obj{"type": "boolean"}, "last_page": obj{"type": "boolean"}, "empty": obj{"type": "boolean"},
		"contents": arr(ref("CommunityService")),
	}}
	schemas["CommunityPoints"] = obj{"type": "object", "properties": obj{"points": arr(obj{"type": "object", "properties": obj{
		"id": str(), "name": str(), "lat": obj{"type": "number"}, "lon": obj{"type": "number"}, "precision": str(), "kind": str(), "themes": arr(str()), "town": str(),
	}})}}
}

// communityExports are the open-data formats: what writes each and its
// media type and file extension.
var communityExports = map[string]struct {
	encode    func(io.Writer, []community.Service) error
	mediaType string
	ext       string
}{
	"oruk-json": {community.EncodeFeed, "application/json", "json"},
	"csv":       {community.EncodeCSV, "text/csv; charset=utf-8", "csv"},
	"geojson":   {community.EncodeGeoJSON, "application/geo+json", "geojson"},
}

// apiCommunityExport writes the published directory in one of the
// open-data formats; every encoder keeps only consented contacts.
func (s *Server) apiCommunityExport(w http.ResponseWriter, r *http.Request) error {
	e, ok := communityExports[r.PathValue("format")]
	if !ok {
		return fault.FieldErrorf(fault.NotFound, "format", "no export format %q: use oruk-json, csv or geojson", r.PathValue("format"))
	}
	ix, err := s.cfg.Community.Published(r.Context())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := e.encode(&buf, community.Services(ix.All())); err != nil {
		return err
	}
	w.Header().Set("Content-Type", e.mediaType)
	w.Header().Set("Content-Disposition", `attachment; filename="community-directory.`+e.ext+`"`)
	w.Header().Set("Access-Control-Allow-Origin", "*") // open data
	_, err = w.Write(buf.Bytes())
	return err
}
