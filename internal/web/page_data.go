package web

import (
	"encoding/json"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/publish"
)

// pageOverview shows the chosen indicator on a district map with the same
// figures as a table (the map's accessible alternative).
func (s *Server) pageOverview(w http.ResponseWriter, r *http.Request) error {
	list, err := s.indicatorList(r.Context())
	if err != nil {
		return err
	}
	purposes, err := s.cfg.Govern.Register(r.Context())
	if err != nil {
		return err
	}
	data := map[string]any{"Title": "Overview", "Indicators": list, "HasMap": s.geojson != nil,
		"Purposes": sortedPurposes(purposes), "Purpose": s.purpose(r)}
	id := r.URL.Query().Get("indicator")
	if id == "" && len(list) > 0 {
		id = list[0].ID
	}
	if id != "" {
		if err := s.addTable(r, id, data); err != nil {
			return err
		}
	}
	data["Chosen"] = id
	// A named indicator is published for its own purpose: a purpose select
	// would change nothing, so the page names the purpose instead.
	data["PurposeFixed"] = strings.HasPrefix(id, publish.NamedPrefix)
	s.render(w, r, http.StatusOK, "overview", data)
	return nil
}

// addTable adds an indicator's district table to a page, or the reason it
// cannot be shown.
func (s *Server) addTable(r *http.Request, id string, data map[string]any) error {
	t, err := s.districtTable(r, id)
	switch fault.Code(err) {
	case "":
		data["Table"] = t
		data["TableJSON"] = jsonAttr(t)
	case fault.Forbidden, fault.Disclosure, fault.NotFound, fault.Invalid:
		data["TableError"] = webWords(fault.Message(err))
	default:
		return err
	}
	return nil
}

// jsonAttr is v as JSON for a data island the bundle reads.
func jsonAttr(v any) template.JS {
	b, _ := json.Marshal(v)
	return template.JS(b)
}

// datasetRow is one line of the datasets page.
type datasetRow struct {
	*catalog.Dataset
	Partner string
	Latest  *catalog.Version
}

func (s *Server) pageDatasets(w http.ResponseWriter, r *http.Request) error {
	ds, err := s.cfg.Catalog.Datasets(r.Context())
	if err != nil {
		return err
	}
	partners := map[string]string{}
	if ps, err := s.cfg.Catalog.Partners(r.Context()); err == nil {
		for _, p := range ps {
			partners[p.ID] = p.Name
		}
	}
	rows := make([]datasetRow, 0, len(ds))
	for _, d := range ds {
		row := datasetRow{Dataset: d, Partner: partners[d.PartnerID]}
		if v, err := s.cfg.Catalog.Version(r.Context(), d.ID, 0); err == nil {
			row.Latest = v
		} else if fault.Code(err) != fault.NotFound {
			return err
		}
		rows = append(rows, row)
	}
	s.render(w, r, http.StatusOK, "datasets", map[string]any{"Title": "Datasets", "Rows": rows})
	return nil
}

func (s *Server) pageDataset(w http.ResponseWriter, r *http.Request) error {
	d, err := s.dataset(r)
	if err != nil {
		return err
	}
	vs, err := s.cfg.Catalog.Versions(r.Context(), d.ID)
	if err != nil {
		return err
	}
	data := map[string]any{"Title": d.Name, "Dataset": d, "Versions": vs, "VersionsJSON": jsonAttr(vs)}
	if d.Name == "" {
		data["Title"] = d.ID
	}
	if p, err := s.cfg.Catalog.Partner(r.Context(), d.PartnerID); err == nil {
		data["Partner"] = p.Name
	}
	if len(vs) > 0 {
		n, _ := strconv.Atoi(r.URL.Query().Get("version"))
		chosen := vs[len(vs)-1]
		for _, v := range vs {
			if v.Number == n {
				chosen = v
			}
		}
		data["Chosen"] = version(who(r).User, d, chosen)
	}
	data["CanUpload"] = govern.CanLoad(who(r).User, d) == nil
	data["Purpose"] = s.purpose(r)
	if err := s.datasetIndicators(r, d, data); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "dataset", data)
	return nil
}

// datasetIndicators adds the district table of the dataset's own records
// (its count by district over the period), or, for a dataset that cannot
// be counted by district, of the first indicator made from it, if any.
func (s *Server) datasetIndicators(r *http.Request, d *catalog.Dataset, data map[string]any) error {
	list, err := s.indicatorList(r.Context())
	if err != nil {
		return err
	}
	chosen := ""
	for _, in := range list {
		if in.DatasetID != d.ID {
			continue
		}
		if in.Unit == "records" {
			return s.addTable(r, in.ID, data)
		}
		if chosen == "" {
			chosen = in.ID
		}
	}
	if chosen != "" {
		return s.addTable(r, chosen, data)
	}
	return nil
}

func (s *Server) pageUpload(w http.ResponseWriter, r *http.Request) error {
	d, err := s.dataset(r)
	if err != nil {
		return err
	}
	if err := govern.CanLoad(who(r).User, d); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "upload", map[string]any{"Title": "Upload to " + d.ID, "Dataset": d, "MaxMiB": s.cfg.MaxUpload >> 20})
	return nil
}

// postUpload is the upload form's target when the browser runs no script:
// it starts the job and sends the browser to the job's page.
func (s *Server) postUpload(w http.ResponseWriter, r *http.Request) error {
	j, err := s.startUpload(w, r)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/jobs/"+j.ID, http.StatusSeeOther)
	return nil
}

func (s *Server) pageJob(w http.ResponseWriter, r *http.Request) error {
	j, _, err := s.job(r)
	if err != nil {
		return err
	}
	if j.Kind == jobLinkage {
		http.Redirect(w, r, "/linkage/jobs/"+j.ID, http.StatusSeeOther)
		return nil
	}
	s.render(w, r, http.StatusOK, "job", map[string]any{"Title": "Upload " + j.File, "Job": j, "JobJSON": jsonAttr(j)})
	return nil
}

// sortedPurposes lists the register by name, for a select box.
func sortedPurposes(p govern.Purposes) []govern.Purpose {
	out := make([]govern.Purpose, 0, len(p))
	for _, x := range p {
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
