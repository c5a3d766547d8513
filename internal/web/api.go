package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/publish"
)

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) error {
	p := who(r)
	out := map[string]any{"id": p.User.ID, "partner": p.User.PartnerID, "name": p.User.Name, "roles": p.User.Roles}
	if p.Session != nil {
		out["csrf_token"] = p.Session.CSRF
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// dataset returns the dataset named in the path.
func (s *Server) dataset(r *http.Request) (*catalog.Dataset, error) {
	return s.cfg.Catalog.Dataset(r.Context(), r.PathValue("id"))
}

// version hides a quality report's value ranges from other partners.
func version(u *govern.User, d *catalog.Dataset, v *catalog.Version) *catalog.Version {
	if v.Quality == nil || ownsData(u, d) {
		return v
	}
	cp, q := *v, *v.Quality
	q.Columns = slices.Clone(q.Columns)
	for i := range q.Columns {
		q.Columns[i].Min, q.Columns[i].Max = "", ""
	}
	cp.Quality = &q
	return &cp
}

func (s *Server) apiDatasets(w http.ResponseWriter, r *http.Request) error {
	body, err := s.datasets.JSON(r.Context())
	if err != nil {
		return err
	}
	writeJSONBytes(w, http.StatusOK, body)
	return nil
}

func (s *Server) apiDataset(w http.ResponseWriter, r *http.Request) error {
	d, err := s.dataset(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) apiVersions(w http.ResponseWriter, r *http.Request) error {
	d, err := s.dataset(r)
	if err != nil {
		return err
	}
	vs, err := s.cfg.Catalog.Versions(r.Context(), d.ID)
	if err != nil {
		return err
	}
	out := make([]*catalog.Version, len(vs))
	for i, v := range vs {
		out[i] = version(who(r).User, d, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": out})
	return nil
}

func (s *Server) apiVersion(w http.ResponseWriter, r *http.Request) error {
	n, err := strconv.Atoi(r.PathValue("number"))
	if err != nil || n < 0 {
		return fault.Errorf(fault.Invalid, "version %q is not a number (use 0 for the latest)", r.PathValue("number"))
	}
	d, err := s.dataset(r)
	if err != nil {
		return err
	}
	v, err := s.cfg.Catalog.Version(r.Context(), d.ID, n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, version(who(r).User, d, v))
	return nil
}

func (s *Server) apiDistricts(w http.ResponseWriter, r *http.Request) error {
	if s.geojson == nil {
		return fault.Errorf(fault.NotFound, "this server has no district boundaries configured")
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Write(s.geojson)
	return nil
}

func (s *Server) apiIndicators(w http.ResponseWriter, r *http.Request) error {
	list, err := s.indicatorList(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"indicators": list})
	return nil
}

func (s *Server) indicatorList(ctx context.Context) ([]publish.Indicator, error) {
	if s.cfg.Indicators == nil {
		return []publish.Indicator{}, nil
	}
	list, err := s.cfg.Indicators.Indicators(ctx)
	if list == nil {
		list = []publish.Indicator{}
	}
	return list, err
}

func (s *Server) apiIndicator(w http.ResponseWriter, r *http.Request) error {
	t, err := s.districtTable(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// purpose is the purpose a request reads for: ?purpose=, else the
// server's default.
func (s *Server) purpose(r *http.Request) string {
	if p := r.URL.Query().Get("purpose"); p != "" {
		return p
	}
	return s.cfg.Purpose
}

// districtTable computes an indicator by district for the request's
// purpose; the indicator source asks the gate.
func (s *Server) districtTable(r *http.Request, id string) (*publish.DistrictTable, error) {
	if s.cfg.Indicators == nil {
		return nil, fault.Errorf(fault.NotFound, "no indicator %q: this server has no indicators configured", id)
	}
	return s.cfg.Indicators.Districts(r.Context(), who(r).User, id, s.purpose(r))
}
