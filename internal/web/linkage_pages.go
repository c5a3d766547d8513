package web

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/linkrun"
)

// pageLinkage lists the runs and offers the form to start one.
func (s *Server) pageLinkage(w http.ResponseWriter, r *http.Request) error {
	return s.linkagePage(w, r, http.StatusOK, s.purpose(r), nil)
}

// linkagePage renders the linkage page for purpose with status; a refused
// run's form comes back with what was refused and what was chosen (more
// fields in data).
func (s *Server) linkagePage(w http.ResponseWriter, r *http.Request, status int, purpose string, data map[string]any) error {
	u := who(r).User
	if data == nil {
		data = map[string]any{}
	}
	data["Title"], data["Purpose"], data["Jobs"] = "Linkage", purpose, s.userJobs(r.Context(), u.ID, jobLinkage, queuedLinkageKind)
	if data["Chosen"] == nil {
		data["Chosen"] = map[string]bool{}
	}
	purposes, err := s.cfg.Govern.Register(r.Context())
	if err != nil {
		return err
	}
	data["Purposes"] = sortedPurposes(purposes)
	lk, err := s.linker()
	if err != nil {
		data["Unavailable"] = webWords(fault.Message(err))
		s.render(w, r, status, "linkage", data)
		return nil
	}
	if data["Runs"], err = lk.runs(r.Context(), u, purpose, 20); err != nil {
		return err
	}
	if data["Linkable"], err = s.linkable(r.Context(), u, purpose); err != nil {
		return err
	}
	s.render(w, r, status, "linkage", data)
	return nil
}

// pageLinkageJob follows a run in progress; the page reloads into the
// same job, and links to the run's quality when it is done.
func (s *Server) pageLinkageJob(w http.ResponseWriter, r *http.Request) error {
	j, err := s.linkageJob(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "linkage-run", map[string]any{"Title": "Linkage run in progress", "Job": j, "JobJSON": jsonAttr(j)})
	return nil
}

// pageLinkageRun shows a run's quality.
func (s *Server) pageLinkageRun(w http.ResponseWriter, r *http.Request) error {
	q, err := s.quality(r)
	if err != nil {
		return err
	}
	purposes, err := s.cfg.Govern.Register(r.Context())
	if err != nil {
		return err
	}
	data := map[string]any{"Title": "Linkage run " + strconv.FormatInt(q.Run.ID, 10), "Q": q, "QJSON": jsonAttr(q), "Charts": chartsOf(q),
		"Purposes": sortedPurposes(purposes), "Purpose": q.Purpose}
	if err := s.adoption(r, q.Run.ID, data); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "linkage-run", data)
	return nil
}

// adoption adds to a run page's data whether the run is the current one
// and, if not, how it compares with the current one.
func (s *Server) adoption(r *http.Request, id int64, data map[string]any) error {
	lk, err := s.linker()
	if err != nil {
		return err
	}
	cur, err := lk.svc.Current(r.Context())
	if fault.Code(err) == fault.NotFound {
		return nil
	}
	if err != nil {
		return err
	}
	data["CurrentRun"], data["IsCurrent"] = cur.ID, cur.ID == id
	if cur.ID != id {
		c, err := lk.svc.Compare(r.Context(), who(r).User, id)
		if err != nil {
			return err
		}
		data["Compare"] = c
		ap, err := lk.svc.Approvals(r.Context(), who(r).User, id)
		if err != nil {
			return err
		}
		data["Approvals"] = ap
	}
	return nil
}

// postLinkageApprove records the signed-in data owner's approval of the
// run in the path for their partner; the last approval adopts it.
func (s *Server) postLinkageApprove(w http.ResponseWriter, r *http.Request) error {
	lk, err := s.linker()
	if err != nil {
		return err
	}
	id, err := runID(r)
	if err != nil {
		return err
	}
	if _, err := lk.svc.Approve(r.Context(), who(r).User, id, r.PostFormValue("note")); err != nil {
		return err
	}
	http.Redirect(w, r, "/linkage/runs/"+strconv.FormatInt(id, 10)+"#adoption", http.StatusSeeOther)
	return nil
}

// postLinkageAdopt adopts the run in the path as the current run.
func (s *Server) postLinkageAdopt(w http.ResponseWriter, r *http.Request) error {
	lk, err := s.linker()
	if err != nil {
		return err
	}
	id, err := runID(r)
	if err != nil {
		return err
	}
	if _, err := lk.svc.Adopt(r.Context(), who(r).User, id, r.PostFormValue("note")); err != nil {
		return err
	}
	http.Redirect(w, r, "/linkage/runs/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// postLinkageRollback makes the previous current run current again.
func (s *Server) postLinkageRollback(w http.ResponseWriter, r *http.Request) error {
	lk, err := s.linker()
	if err != nil {
		return err
	}
	run, err := lk.svc.Rollback(r.Context(), who(r).User, r.PostFormValue("note"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/linkage/runs/"+strconv.FormatInt(run.ID, 10), http.StatusSeeOther)
	return nil
}

// review reads the borderline pairs of the run named in the path through
// the linkage service, which asks the gate (operation link.review) for the
// run's purpose.
func (s *Server) review(r *http.Request) (*linkrun.ReviewList, error) {
	lk, err := s.linker()
	if err != nil {
		return nil, err
	}
	id, err := runID(r)
	if err != nil {
		return nil, err
	}
	page := 1
	if v := r.URL.Query().Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil {
			return nil, fault.FieldErrorf(fault.Invalid, "page", "page %q is not a number: pages are numbered from 1", v)
		}
	}
	return lk.svc.ReviewPage(r.Context(), who(r).User, id, page)
}

// reviewPageLinks are the numbered links to a review's pages.
type reviewPageLink struct {
	Page    int
	From    int
	To      int
	Current bool
}

func reviewPageLinks(l *linkrun.ReviewList) []reviewPageLink {
	var out []reviewPageLink
	for p := 1; p <= l.Pages; p++ {
		from := (p-1)*linkrun.ReviewPageSize + 1
		out = append(out, reviewPageLink{Page: p, From: from, To: min(from+linkrun.ReviewPageSize-1, l.Total), Current: p == l.Page})
	}
	return out
}

func (s *Server) apiLinkageReview(w http.ResponseWriter, r *http.Request) error {
	l, err := s.review(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

func (s *Server) pageLinkageReview(w http.ResponseWriter, r *http.Request) error {
	l, err := s.review(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "linkage-review", map[string]any{"Title": "Review of linkage run " + strconv.FormatInt(l.Run.ID, 10), "L": l, "Waterfalls": reviewWaterfalls(l),
		"Verdicts": []linkrun.Verdict{linkrun.Match, linkrun.NonMatch, linkrun.Unsure}, "PageLinks": reviewPageLinks(l)})
	return nil
}

// decision is the body of a clerical decision.
type decision struct {
	Decision string `json:"decision"`
	Note     string `json:"note"`
}

// decide records the user's decision on the run and pair named in the path.
func (s *Server) decide(r *http.Request, d decision) (*linkrun.ReviewPair, error) {
	lk, err := s.linker()
	if err != nil {
		return nil, err
	}
	id, err := runID(r)
	if err != nil {
		return nil, err
	}
	pair, err := strconv.Atoi(r.PathValue("pair"))
	if err != nil || pair <= 0 {
		return nil, fault.Errorf(fault.NotFound, "no review pair %q: pairs are numbered from 1 (see the run's review page)", r.PathValue("pair"))
	}
	v, err := linkrun.ParseVerdict(d.Decision)
	if err != nil {
		return nil, err
	}
	return lk.svc.Decide(r.Context(), who(r).User, id, pair, v, d.Note)
}

func (s *Server) apiLinkageDecide(w http.ResponseWriter, r *http.Request) error {
	var d decision
	dec := json.NewDecoder(io.LimitReader(r.Body, 16<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return fault.Errorf(fault.Invalid, "send JSON {\"decision\": \"match|non-match|unsure\", \"note\": \"…\"}: %v", err)
	}
	p, err := s.decide(r, d)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// postLinkageDecide records a decision from the review page's form and
// goes back to the pair.
func (s *Server) postLinkageDecide(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.decide(r, decision{Decision: r.PostFormValue("decision"), Note: r.PostFormValue("note")}); err != nil {
		return err
	}
	pair, _ := strconv.Atoi(r.PathValue("pair")) // decide checked it
	page := (pair-1)/linkrun.ReviewPageSize + 1
	http.Redirect(w, r, "/linkage/runs/"+r.PathValue("id")+"/review?page="+strconv.Itoa(page)+"#pair-"+r.PathValue("pair"), http.StatusSeeOther)
	return nil
}
