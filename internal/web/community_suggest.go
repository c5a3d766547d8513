package web

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// communityEditRoutes are the public suggestion form and the moderation
// queue.
func (s *Server) communityEditRoutes() []route {
	return []route{
		{method: "GET", path: "/community/suggest", open: true, summary: "The public form to suggest a service or a correction", handle: s.pageCommunitySuggest},
		{method: "POST", path: "/community/suggest", open: true, summary: "Suggest a service or a correction: it waits for moderation", handle: s.postCommunitySuggest},
		{method: "GET", path: "/community/queue", summary: "The moderation queue (community editors)", handle: s.pageCommunityQueue},
		{method: "POST", path: "/community/queue/{id}/{action}", summary: "Publish or reject (with a reason) a waiting submission", handle: s.postCommunityDecision},
	}
}

// suggestForm is the suggestion form's fields as typed.
type suggestForm struct {
	Service, Name, Description, OrgName, Kind, Charity, URL, Email string
	Address, Town, Postcode                                        string
	Themes                                                         []string
	Days                                                           []string
	Opens, Closes                                                  string
	ContactName, ContactPhone, ContactEmail                        string
	Consent                                                        bool
	Note                                                           string
}

// formOf fills the form from a published service (a correction).
func formOf(sv community.Service) suggestForm {
	f := suggestForm{Service: sv.ID, Name: sv.Name, Description: sv.Description, OrgName: sv.Organisation.Name, Kind: string(sv.Organisation.Kind),
		Charity: sv.Organisation.CharityNumber, URL: sv.URL, Email: sv.Email, Themes: sv.Themes}
	if len(sv.Locations) > 0 {
		l := sv.Locations[0]
		f.Address, f.Town, f.Postcode = l.Address, l.Town, l.Postcode
	}
	for _, sc := range sv.Schedules {
		f.Days = append(f.Days, sc.Weekday)
		f.Opens, f.Closes = sc.Opens, sc.Closes
	}
	return f
}

func readSuggestForm(r *http.Request) suggestForm {
	v := r.PostForm
	g := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	return suggestForm{Service: g("service"), Name: g("name"), Description: g("description"), OrgName: g("organisation"), Kind: g("kind"),
		Charity: g("charity_number"), URL: g("url"), Email: g("email"), Address: g("address"), Town: g("town"), Postcode: g("postcode"),
		Themes: v["themes"], Days: v["days"], Opens: g("opens"), Closes: g("closes"),
		ContactName: g("contact_name"), ContactPhone: g("contact_phone"), ContactEmail: g("contact_email"), Consent: v.Get("consent") == "yes",
		Note: g("note")}
}

// service builds the suggested service; a correction keeps the published
// service's ids, the rest of its locations and its other contacts.
func (f suggestForm) service(old *community.Service) community.Service {
	sv := community.Service{ID: f.Service, Name: f.Name, Description: f.Description, URL: f.URL, Email: f.Email, Themes: f.Themes,
		Organisation: community.Organisation{ID: "org-" + newID(), Name: f.OrgName, Kind: community.Kind(f.Kind), CharityNumber: f.Charity},
		Locations:    []community.Location{{ID: "loc-" + newID(), Address: f.Address, Town: f.Town, Postcode: f.Postcode}}}
	if old != nil {
		sv.Organisation.ID, sv.Organisation.Description, sv.Organisation.URL = old.Organisation.ID, old.Organisation.Description, old.Organisation.URL
		sv.Eligibility, sv.Cost, sv.Contacts = old.Eligibility, old.Cost, old.Contacts
		if len(old.Locations) > 0 {
			l := old.Locations[0]
			if l.Address == f.Address && l.Town == f.Town && l.Postcode == f.Postcode {
				sv.Locations[0] = l // unchanged: keep how it was placed
			} else {
				sv.Locations[0].ID = l.ID
			}
			sv.Locations = append(sv.Locations, old.Locations[1:]...)
		}
	}
	if sv.ID == "" {
		sv.ID = "sug-" + newID()
	}
	for _, d := range community.Weekdays {
		if slices.Contains(f.Days, d) {
			sv.Schedules = append(sv.Schedules, community.Schedule{Weekday: d, Opens: f.Opens, Closes: f.Closes})
		}
	}
	if f.ContactName != "" || f.ContactPhone != "" || f.ContactEmail != "" {
		sv.Contacts = append(sv.Contacts, community.Contact{ID: "contact-" + newID(), Name: f.ContactName, Phone: f.ContactPhone, Email: f.ContactEmail, Consent: f.Consent})
	}
	return sv
}

// newID is a short random id.
func newID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) suggestData(f suggestForm) map[string]any {
	data := s.communityChoices()
	data["Title"], data["Form"] = "Suggest a service", f
	if f.Service != "" {
		data["Title"] = "Suggest a correction"
	}
	return data
}

func (s *Server) pageCommunitySuggest(w http.ResponseWriter, r *http.Request) error {
	f := suggestForm{Kind: string(community.Informal)}
	if id := r.URL.Query().Get("service"); id != "" {
		ix, err := s.cfg.Community.Published(r.Context())
		if err != nil {
			return err
		}
		v, err := ix.Get(id)
		if err != nil {
			return err
		}
		f = formOf(v.Service.Public())
	}
	s.render(w, r, http.StatusOK, "community-suggest", s.suggestData(f))
	return nil
}

func (s *Server) postCommunitySuggest(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxSuggestBody)
	if err := r.ParseForm(); err != nil {
		return fault.Errorf(fault.Invalid, "the form could not be read (it may be too long): send it again")
	}
	f := readSuggestForm(r)
	if refused, err := s.guardSuggestion(w, r, f); refused || err != nil {
		return err
	}
	var old *community.Service
	if f.Service != "" {
		ix, err := s.cfg.Community.Published(r.Context())
		if err != nil {
			return err
		}
		v, err := ix.Get(f.Service)
		if err != nil {
			return err
		}
		old = &v.Service
	}
	var user *govern.User // a signed-in user suggests as themselves
	if p, _ := s.identify(r); p != nil {
		user = p.User
	}
	sub, err := s.cfg.Community.Suggest(r.Context(), user, f.service(old), f.Note)
	if err != nil {
		if fault.Code(err) != fault.Invalid {
			return err
		}
		data := s.suggestData(f)
		data["Problems"] = suggestProblems(err)
		s.render(w, r, http.StatusBadRequest, "community-suggest", data)
		return nil
	}
	data := s.suggestData(f)
	data["Done"] = sub.ID
	s.render(w, r, http.StatusOK, "community-suggest", data)
	return nil
}

// formLabels name the form's fields for the problems of a suggestion.
var formLabels = map[string]string{
	"name": "Service name", "description": "What it offers", "url": "Website", "email": "Email",
	"organization.name": "Run by", "organization.x_kind": "Kind of group", "organization.charity_number": "Registered number",
	"themes": "Themes", "locations[0]": "Where", "locations[0].address_1": "Address", "locations[0].city": "Town",
	"locations[0].postal_code": "Postcode", "note": "Anything else",
}

// suggestProblems words a refused suggestion's problems by form label.
func suggestProblems(err error) []string {
	var out []string
	for _, line := range strings.Split(fault.Message(err), "; ") {
		field, reason, ok := strings.Cut(line, ": ")
		if i := strings.Index(field, " problems"); i >= 0 {
			field, reason, ok = strings.Cut(reason, ": ")
		}
		label := field
		for k, l := range formLabels {
			if field == k || strings.HasPrefix(field, k+"[") {
				label = l
			}
		}
		if strings.HasPrefix(field, "regular_schedules") {
			label = "Opening times"
		} else if strings.HasPrefix(field, "contacts") {
			label = "Contact"
		} else if strings.HasPrefix(field, "themes") {
			label = "Themes"
		}
		if !ok {
			out = append(out, line)
			continue
		}
		out = append(out, label+": "+reason)
	}
	return out
}

// queued is a waiting submission with what it changes, the partner
// whose entry it changes and whether the viewer may decide it.
type queued struct {
	community.Submission
	Changes []string
	Owner   string
	Mine    bool
}

func (s *Server) pageCommunityQueue(w http.ResponseWriter, r *http.Request) error {
	subs, err := s.cfg.Community.Queue(r.Context(), who(r).User)
	if err != nil {
		return err
	}
	ix, err := s.cfg.Community.Published(r.Context())
	if err != nil {
		return err
	}
	var items []queued
	for _, sub := range subs {
		q := queued{Submission: sub}
		if old, err := ix.Get(sub.Service.ID); err == nil {
			q.Changes, q.Owner = community.Changes(old.Service, sub.Service), old.Owner
		}
		q.Mine = community.CanEdit(who(r).User, q.Owner)
		items = append(items, q)
	}
	data := map[string]any{"Title": "Moderation queue", "Items": items}
	if d := r.URL.Query().Get("done"); d != "" {
		data["Done"] = d
	}
	s.render(w, r, http.StatusOK, "community-queue", data)
	return nil
}

func (s *Server) postCommunityDecision(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return fault.Errorf(fault.NotFound, "no submission %q", r.PathValue("id"))
	}
	u := who(r).User
	var sub *community.Submission
	switch r.PathValue("action") {
	case "publish":
		sub, err = s.cfg.Community.Publish(r.Context(), u, id)
	case "reject":
		sub, err = s.cfg.Community.Reject(r.Context(), u, id, strings.TrimSpace(r.PostFormValue("reason")))
	default:
		return fault.Errorf(fault.NotFound, "no action %q: publish or reject", r.PathValue("action"))
	}
	if err != nil {
		return err
	}
	done := fmt.Sprintf("Submission %d %s.", sub.ID, sub.Status)
	http.Redirect(w, r, "/community/queue?done="+strings.ReplaceAll(done, " ", "+"), http.StatusSeeOther)
	return nil
}
