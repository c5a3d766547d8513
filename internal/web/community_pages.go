package web

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/fault"
)

// dayNames are the weekdays' names by byday code.
var dayNames = map[string]string{"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday", "SA": "Saturday", "SU": "Sunday"}

// option is a choice in a select.
type option struct{ Value, Label string }

// communityChoices are the options of the directory's filters.
func (s *Server) communityChoices() map[string]any {
	themes := []option{}
	for _, t := range community.Themes {
		themes = append(themes, option{t.ID, t.Title})
	}
	days := []option{}
	for _, d := range community.Weekdays {
		days = append(days, option{d, dayNames[d]})
	}
	return map[string]any{"Themes": themes, "Districts": s.districtOptions(), "Days": days}
}

// districtOptions are the districts by name.
func (s *Server) districtOptions() []option {
	out := []option{}
	if s.cfg.Districts != nil {
		for _, a := range s.cfg.Districts.Areas {
			out = append(out, option{a.Code, a.Name})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out
}

// districtName names a district code.
func (s *Server) districtName(code string) string {
	if s.cfg.Districts != nil {
		if a, ok := s.cfg.Districts.Area(code); ok {
			return a.Name
		}
	}
	return code
}

// listedService is a service as the list view shows it.
type listedService struct {
	ID, Name, Organisation, Kind string
	Themes                       []string
	Places                       []string
	Days                         []string
}

func (s *Server) listed(v community.Version) listedService {
	sv := v.Service
	out := listedService{ID: sv.ID, Name: sv.Name, Organisation: sv.Organisation.Name, Kind: string(sv.Organisation.Kind)}
	for _, t := range sv.Themes {
		if th, err := community.FindTheme(t); err == nil {
			out.Themes = append(out.Themes, th.Title)
		}
	}
	for _, l := range sv.Locations {
		place := l.Town
		if place == "" {
			place = s.districtName(l.District)
		}
		out.Places = append(out.Places, place)
	}
	for _, d := range community.Weekdays {
		for _, sc := range sv.Schedules {
			if sc.Weekday == d {
				out.Days = append(out.Days, dayNames[d][:3])
				break
			}
		}
	}
	return out
}

func (s *Server) pageCommunity(w http.ResponseWriter, r *http.Request) error {
	data := s.communityChoices()
	data["Title"] = "Community support map"
	q, ix, err := s.communitySearch(r)
	data["Query"], data["OpenNow"] = q, !q.OpenAt.IsZero()
	if fault.Code(err) == fault.Invalid {
		data["Error"] = fault.Message(err)
		s.render(w, r, http.StatusBadRequest, "community", data)
		return nil
	} else if err != nil {
		return err
	}
	p, err := ix.Search(q)
	if err != nil {
		return err
	}
	items := make([]listedService, 0, len(p.Items))
	for _, v := range p.Items {
		items = append(items, s.listed(v))
	}
	data["Page"], data["Items"] = p, items
	data["Filters"] = r.URL.Query().Encode()
	pageLink := func(n int) string {
		v := r.URL.Query()
		v.Set("page", strconv.Itoa(n))
		return "/community?" + v.Encode()
	}
	if !p.First {
		data["Prev"] = pageLink(p.Page - 1)
	}
	if !p.Last {
		data["Next"] = pageLink(p.Page + 1)
	}
	s.render(w, r, http.StatusOK, "community", data)
	return nil
}

// shownSchedule is a schedule in words.
type shownSchedule struct{ Day, Opens, Closes string }

func (s *Server) pageCommunityService(w http.ResponseWriter, r *http.Request) error {
	v, err := s.communityService(r)
	if err != nil {
		return err
	}
	sv := v.Service.Public()
	var themes []community.Theme
	for _, t := range sv.Themes {
		if th, err := community.FindTheme(t); err == nil {
			themes = append(themes, *th)
		}
	}
	var days []shownSchedule
	for _, d := range community.Weekdays {
		for _, sc := range sv.Schedules {
			if sc.Weekday == d {
				days = append(days, shownSchedule{dayNames[d], sc.Opens, sc.Closes})
			}
		}
	}
	places := []map[string]any{}
	for _, l := range sv.Locations {
		places = append(places, map[string]any{"Location": l, "District": s.districtName(l.District)})
	}
	data := map[string]any{"Title": sv.Name, "Service": sv, "Version": v, "Themes": themes, "Schedules": days, "Places": places,
		"OpenNow": community.OpenAt(sv.Schedules, s.cfg.Clock.Now()), "Correct": "/community/suggest?service=" + url.QueryEscape(sv.ID)}
	s.render(w, r, http.StatusOK, "community-service", data)
	return nil
}
