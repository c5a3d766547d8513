package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/fault"
)

// communityVolunteerRoutes are community action zones and
// micro-volunteering: the public page, map data and open-data API, and
// the forms community editors post opportunities and designate zones
// with.
func (s *Server) communityVolunteerRoutes() []route {
	return []route{
		{method: "GET", path: "/community/volunteering", open: true, summary: "Volunteering opportunities and community action zones: map and list (public)", handle: s.pageCommunityVolunteering},
		{method: "GET", path: "/api/community/opportunities", api: true, open: true, summary: "Current volunteering opportunities, filtered (?text=&theme=&district=&zone=&max_minutes=), newest first (public, read-only)", result: "CommunityOpportunities", handle: s.apiCommunityOpportunities},
		{method: "GET", path: "/api/community/zones", api: true, open: true, summary: "Community action zones with their LSOAs (public, read-only)", result: "CommunityZones", handle: s.apiCommunityZones},
		{method: "GET", path: "/api/community/zones/boundaries", api: true, open: true, summary: "The LSOA boundaries of every community action zone as GeoJSON (properties code, name, zone, zone_name)", result: "application/geo+json", handle: s.apiCommunityZoneBoundaries},
		{method: "GET", path: "/community/volunteering/new", summary: "Post a volunteering opportunity (community editors)", handle: s.pageOpportunityForm},
		{method: "POST", path: "/community/volunteering", summary: "Post a volunteering opportunity (community editors)", handle: s.postOpportunity},
		{method: "POST", path: "/community/volunteering/{id}/close", summary: "Close a volunteering opportunity (a community editor of the partner that posted it)", handle: s.postOpportunityClose},
		{method: "POST", path: "/community/zones", summary: "Designate a community action zone from a list of LSOAs (community editors)", handle: s.postZone},
	}
}

// opportunityQuery reads the volunteering filters from a request.
func opportunityQuery(r *http.Request) (community.OpportunityQuery, error) {
	v := r.URL.Query()
	q := community.OpportunityQuery{Text: strings.TrimSpace(v.Get("text")), Theme: v.Get("theme"), District: v.Get("district"), Zone: v.Get("zone")}
	if t := v.Get("max_minutes"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil {
			return q, fault.FieldErrorf(fault.Invalid, "max_minutes", "max_minutes %q is not a whole number of minutes", t)
		}
		q.MaxMinutes = n
	}
	return q, q.Validate()
}

// shownOpportunity is an opportunity as pages and the API show it.
type shownOpportunity struct {
	community.Opportunity
	TimeNeeded   string `json:"time_needed"`
	DistrictName string `json:"district_name,omitempty"`
	ZoneName     string `json:"zone_name,omitempty"`
}

// shown words an opportunity for the public: its zone and district named,
// the poster's user id left out.
func (s *Server) shown(o community.Opportunity, zones map[string]string) shownOpportunity {
	o.PostedBy, o.ClosedBy = "", ""
	return shownOpportunity{Opportunity: o, TimeNeeded: o.TimeNeeded(), DistrictName: s.districtName(o.Location.District), ZoneName: zones[o.Zone]}
}

// volunteering reads the request's filters, the matching opportunities and
// the zones.
func (s *Server) volunteering(r *http.Request) (community.OpportunityQuery, []shownOpportunity, []community.Zone, error) {
	q, err := opportunityQuery(r)
	if err != nil {
		return q, nil, nil, err
	}
	zones, err := s.cfg.Community.Zones(r.Context())
	if err != nil {
		return q, nil, nil, err
	}
	ops, err := s.cfg.Community.Opportunities(r.Context(), q)
	if err != nil {
		return q, nil, nil, err
	}
	names := map[string]string{}
	for _, z := range zones {
		names[z.ID] = z.Name
	}
	out := make([]shownOpportunity, 0, len(ops))
	for _, o := range ops {
		out = append(out, s.shown(o, names))
	}
	return q, out, zones, nil
}

func (s *Server) apiCommunityOpportunities(w http.ResponseWriter, r *http.Request) error {
	_, ops, _, err := s.volunteering(r)
	if err != nil {
		return err
	}
	w.Header().Set("Access-Control-Allow-Origin", "*") // open data
	writeJSON(w, http.StatusOK, map[string]any{"total_items": len(ops), "contents": ops})
	return nil
}

func (s *Server) apiCommunityZones(w http.ResponseWriter, r *http.Request) error {
	zones, err := s.cfg.Community.Zones(r.Context())
	if err != nil {
		return err
	}
	for i := range zones {
		zones[i].DesignatedBy = ""
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	writeJSON(w, http.StatusOK, map[string]any{"zones": zones})
	return nil
}

// zoneView is the volunteering page's account of a zone.
type zoneView struct {
	community.Zone
	DistrictNames []string
	Opportunities int
}

func (s *Server) pageCommunityVolunteering(w http.ResponseWriter, r *http.Request) error {
	data := s.communityChoices()
	data["Title"] = "Volunteering and community action zones"
	if p, _ := s.identify(r); p != nil {
		data["Editor"] = community.Editor(p.User)
		if p.Session != nil {
			data["CSRF"] = p.Session.CSRF
		}
		data["Partner"] = p.User.PartnerID
	}
	q, ops, zones, err := s.volunteering(r)
	data["Query"] = q
	if fault.Code(err) == fault.Invalid {
		data["Error"] = fault.Message(err)
		s.render(w, r, http.StatusBadRequest, "community-volunteering", data)
		return nil
	} else if err != nil {
		return err
	}
	counts := map[string]int{}
	for _, o := range ops {
		counts[o.Zone]++
	}
	var zv []zoneView
	var zoneOpts []option
	for _, z := range zones {
		v := zoneView{Zone: z, Opportunities: counts[z.ID]}
		for _, d := range z.Districts {
			v.DistrictNames = append(v.DistrictNames, s.districtName(d))
		}
		zv = append(zv, v)
		zoneOpts = append(zoneOpts, option{z.ID, z.Name})
	}
	data["Items"], data["Zones"], data["ZoneOptions"] = ops, zv, zoneOpts
	data["Times"] = []option{{"15", "15 minutes"}, {"30", "30 minutes"}, {"60", "an hour"}, {"120", "2 hours"}, {"240", "half a day"}}
	data["MaxMinutes"] = strconv.Itoa(q.MaxMinutes)
	data["Filters"] = r.URL.Query().Encode()
	if d := r.URL.Query().Get("done"); d != "" {
		data["Done"] = d
	}
	s.render(w, r, http.StatusOK, "community-volunteering", data)
	return nil
}

// opportunityForm is the post-an-opportunity form as typed.
type opportunityForm struct {
	Organisation, Title, Description, Minutes, When, Respond, RespondURL, RespondEmail, Closes string
	Address, Town, Postcode, LSOA                                                              string
	Themes                                                                                     []string
}

func readOpportunityForm(r *http.Request) opportunityForm {
	v := r.PostForm
	g := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	return opportunityForm{Organisation: g("organization_id"), Title: g("title"), Description: g("description"), Minutes: g("minutes"),
		When: g("when"), Respond: g("respond"), RespondURL: g("respond_url"), RespondEmail: g("respond_email"), Closes: g("closes"),
		Address: g("address"), Town: g("town"), Postcode: g("postcode"), LSOA: strings.ToUpper(g("lsoa")), Themes: v["themes"]}
}

// opportunity builds the posted opportunity; an unreadable time needed is
// left at 0 (refused by validation, naming the field).
func (f opportunityForm) opportunity() community.Opportunity {
	min, _ := strconv.Atoi(f.Minutes)
	return community.Opportunity{OrganisationID: f.Organisation, Title: f.Title, Description: f.Description, Themes: f.Themes, Minutes: min,
		When: f.When, Respond: f.Respond, RespondURL: f.RespondURL, RespondEmail: f.RespondEmail, Closes: f.Closes,
		Location: community.Location{ID: "opp-" + newID(), Address: f.Address, Town: f.Town, Postcode: f.Postcode, LSOA: f.LSOA}}
}

// organisationOptions are the organisations with a published service.
func (s *Server) organisationOptions(r *http.Request) ([]option, error) {
	ix, err := s.cfg.Community.Published(r.Context())
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []option
	for _, v := range ix.All() {
		o := v.Service.Organisation
		if !seen[o.ID] {
			seen[o.ID] = true
			out = append(out, option{o.ID, o.Name})
		}
	}
	return out, nil
}

func (s *Server) opportunityFormData(r *http.Request, f opportunityForm) (map[string]any, error) {
	orgs, err := s.organisationOptions(r)
	if err != nil {
		return nil, err
	}
	data := s.communityChoices()
	data["Title"], data["Form"], data["Organisations"] = "Post a volunteering opportunity", f, orgs
	return data, nil
}

func (s *Server) pageOpportunityForm(w http.ResponseWriter, r *http.Request) error {
	if !community.Editor(who(r).User) {
		return fault.Errorf(fault.Forbidden, "only a community editor may post a volunteering opportunity")
	}
	data, err := s.opportunityFormData(r, opportunityForm{Minutes: "60"})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "community-opportunity-form", data)
	return nil
}

func (s *Server) postOpportunity(w http.ResponseWriter, r *http.Request) error {
	f := readOpportunityForm(r)
	o, err := s.cfg.Community.PostOpportunity(r.Context(), who(r).User, f.opportunity())
	if fault.Code(err) == fault.Invalid {
		data, derr := s.opportunityFormData(r, f)
		if derr != nil {
			return derr
		}
		data["Problems"] = opportunityProblems(err)
		s.render(w, r, http.StatusBadRequest, "community-opportunity-form", data)
		return nil
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/community/volunteering?done=%d#opportunity-%d", o.ID, o.ID), http.StatusSeeOther)
	return nil
}

// opportunityLabels name the opportunity form's fields.
var opportunityLabels = map[string]string{
	"organization_id": "Organisation", "title": "What", "description": "More about it", "themes": "Themes", "minutes": "Time needed",
	"when": "When", "respond": "How to respond", "respond_url": "Organisation's web address", "respond_email": "Organisation's email",
	"closes": "Closes on", "location": "Where", "location.address_1": "Address", "location.city": "Town", "location.postal_code": "Postcode", "location.x_lsoa": "LSOA code",
}

// opportunityProblems words a refused opportunity's problems by form label.
func opportunityProblems(err error) []string {
	msg := fault.Message(err)
	if _, rest, ok := strings.Cut(msg, " problems: "); ok {
		msg = rest
	}
	var out []string
	for _, line := range strings.Split(msg, "; ") {
		field, reason, ok := strings.Cut(line, ": ")
		if l, known := opportunityLabels[strings.Split(field, "[")[0]]; ok && known {
			line = l + ": " + reason
		}
		out = append(out, line)
	}
	return out
}

func (s *Server) postOpportunityClose(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return fault.Errorf(fault.NotFound, "no volunteering opportunity %q", r.PathValue("id"))
	}
	if _, err := s.cfg.Community.CloseOpportunity(r.Context(), who(r).User, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/community/volunteering", http.StatusSeeOther)
	return nil
}

func (s *Server) postZone(w http.ResponseWriter, r *http.Request) error {
	z := community.Zone{ID: strings.TrimSpace(r.PostFormValue("id")), Name: r.PostFormValue("name"), Description: r.PostFormValue("description"),
		LSOAs: strings.FieldsFunc(r.PostFormValue("lsoas"), func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t' })}
	if _, err := s.cfg.Community.DesignateZone(r.Context(), who(r).User, z); err != nil {
		return err
	}
	http.Redirect(w, r, "/community/volunteering?zone="+z.ID, http.StatusSeeOther)
	return nil
}

func (s *Server) apiCommunityZoneBoundaries(w http.ResponseWriter, r *http.Request) error {
	zones, err := s.cfg.Community.Zones(r.Context())
	if err != nil {
		return err
	}
	body, err := zoneGeoJSON(zones)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Write(body)
	return nil
}

func init() {
	for f, label := range map[string]string{"max_minutes": "Time you have", "zone": "Zone", "minutes": "Time needed", "title": "What", "respond": "How to respond",
		"respond_url": "Organisation's web address", "respond_email": "Organisation's email", "closes": "Closes on", "organization_id": "Organisation", "lsoas": "LSOAs"} {
		fieldLabels[f] = label
	}
	q := func(name, desc string, schema obj) obj {
		return obj{"name": name, "in": "query", "required": false, "description": desc, "schema": schema}
	}
	queryParams["/api/community/opportunities"] = []obj{
		q("text", "every word must appear in the title, description, organisation or place", str()),
		q("theme", "a theme id, e.g. food", str()),
		q("district", "a local authority district code", str()),
		q("zone", "a community action zone id", str()),
		q("max_minutes", "only opportunities needing at most this many minutes", integer()),
	}
	schemas["CommunityOpportunities"] = obj{"type": "object", "properties": obj{"total_items": integer(), "contents": arr(obj{"type": "object", "properties": obj{
		"id": integer(), "organization_id": str(), "organization_name": str(), "title": str(), "description": str(), "themes": arr(str()),
		"location": obj{"type": "object"}, "zone": str(), "zone_name": str(), "minutes": integer(), "time_needed": str(), "when": str(),
		"respond": str(), "respond_url": str(), "respond_email": str(), "closes": obj{"type": "string", "format": "date"}, "district_name": str(),
	}})}}
	schemas["CommunityZones"] = obj{"type": "object", "properties": obj{"zones": arr(obj{"type": "object", "properties": obj{
		"id": str(), "name": str(), "description": str(), "lsoas": arr(str()), "districts": arr(str()), "designated_at": obj{"type": "string", "format": "date-time"},
	}})}}
}

// lsoaFeature is one LSOA's boundary as the maps draw it.
type lsoaFeature struct {
	Type       string            `json:"type"`
	ID         string            `json:"id"`
	Properties map[string]string `json:"properties"`
	Geometry   json.RawMessage   `json:"geometry"`
}

// lsoaFeatures are every LSOA's boundary feature by code, read once from
// the per-district collections the drill-down serves.
var lsoaFeatures = sync.OnceValues(func() (map[string]lsoaFeature, error) {
	all, err := lsoaGeoJSON()
	if err != nil {
		return nil, err
	}
	out := map[string]lsoaFeature{}
	for _, body := range all {
		var fc struct {
			Features []lsoaFeature `json:"features"`
		}
		if err := json.Unmarshal(body, &fc); err != nil {
			return nil, err
		}
		for _, f := range fc.Features {
			out[f.ID] = f
		}
	}
	return out, nil
})

// zoneGeoJSON is the zones' LSOAs as one FeatureCollection, each feature
// naming its zone.
func zoneGeoJSON(zones []community.Zone) ([]byte, error) {
	byCode, err := lsoaFeatures()
	if err != nil {
		return nil, fault.Wrap(err, fault.NotFound, "this server has no LSOA boundaries (reference data boundaries/essex_lsoa2021_bgc_drkane.geojson)")
	}
	fs := []lsoaFeature{}
	for _, z := range zones {
		for _, code := range z.LSOAs {
			f, ok := byCode[code]
			if !ok {
				continue
			}
			f.Properties = map[string]string{"code": code, "name": f.Properties["name"], "zone": z.ID, "zone_name": z.Name}
			fs = append(fs, f)
		}
	}
	return json.Marshal(map[string]any{"type": "FeatureCollection", "features": fs})
}
