package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/link/eval"
	"github.com/civiclink/civiclink/internal/linkrun"
)

// OpLinkQuality is the read operation of a stored linkage run's quality:
// its counts, model, match-weight distribution, precision and recall and
// links per dataset pair. Starting a run is linkrun's "link.run"; its
// clerical review is linkrun's "link.review".
const OpLinkQuality = "link.quality"

// Operations lists the web's own read operations, for the gate the wiring
// builds; the gate test walks each with a probe.
func Operations() []govern.Operation {
	return []govern.Operation{{Name: OpLinkQuality, Description: "read a stored linkage run's quality: counts, model, match-weight distribution, precision and recall, links per dataset pair", Output: govern.Aggregate}}
}

// linkageRoutes lists the routes of the linkage runs: start, progress, quality and clerical review.
func (s *Server) linkageRoutes() []route {
	return []route{
		{method: "GET", path: "/api/linkage/runs", api: true, summary: "Linkage runs, newest first, with their counts and quality where the user may read them for the run's purpose (?purpose= for older runs that recorded none)", result: "LinkageRunList", handle: s.apiLinkageRuns},
		{method: "POST", path: "/api/linkage/runs", api: true, body: "json", summary: "Start a linkage run of the named datasets for a purpose, body {\"datasets\": [...], \"purpose\": \"…\", \"incremental\": false, \"from\": 0}; a background job (202; follow /api/jobs/{id}/events)", result: "Job", handle: s.apiStartLinkage},
		{method: "GET", path: "/api/linkage/datasets", api: true, summary: "Datasets that can be linked (a record id and pseudonymous identifiers), marked with whether the user may link them for ?purpose=", result: "LinkableList", handle: s.apiLinkable},
		{method: "GET", path: "/api/linkage/runs/{id}", api: true, summary: "A linkage run's quality: match-weight distribution, estimated and (where known) true precision and recall, links per dataset pair; read for the run's purpose", result: "LinkageQuality", handle: s.apiLinkageRun},
		{method: "GET", path: "/api/linkage/runs/{id}/review", api: true, summary: "One page (?page=, from 1; 50 pairs to a page) of a run's borderline pairs nearest the threshold first, in encoded form: per-comparison agreement levels and weights, never values or record ids", result: "ReviewList", handle: s.apiLinkageReview},
		{method: "POST", path: "/api/linkage/runs/{id}/review/{pair}", api: true, body: "json", summary: "Record a clerical decision on a borderline pair, body {\"decision\": \"match|non-match|unsure\", \"note\": \"…\"}; later runs use it as a label", result: "ReviewPair", handle: s.apiLinkageDecide},

		{method: "GET", path: "/linkage", summary: "Linkage runs and the form to start one", handle: s.pageLinkage},
		{method: "POST", path: "/linkage/runs", summary: "Start a linkage run (form post)", handle: s.postLinkage},
		{method: "GET", path: "/linkage/jobs/{id}", summary: "A linkage run's progress", handle: s.pageLinkageJob},
		{method: "GET", path: "/linkage/runs/{id}", summary: "A linkage run's quality", handle: s.pageLinkageRun},
		{method: "GET", path: "/linkage/runs/{id}/review", summary: "A linkage run's borderline pairs for clerical review", handle: s.pageLinkageReview},
		{method: "POST", path: "/linkage/runs/{id}/review/{pair}", summary: "Record a clerical decision (form post)", handle: s.postLinkageDecide},
		{method: "POST", path: "/linkage/runs/{id}/adopt", summary: "Adopt a run as the partnership's current run (linkage stewards; form post)", handle: s.postLinkageAdopt},
		{method: "POST", path: "/linkage/runs/{id}/approve", summary: "Approve a draft run for your partner (data owners of its datasets; form post); the last approval adopts it", handle: s.postLinkageApprove},
		{method: "POST", path: "/linkage/rollback", summary: "Make the previous current run current again (linkage stewards; form post)", handle: s.postLinkageRollback},
	}
}

// LinkageRunRow is one run in the list: what anyone signed in may see
// (who, when, which dataset versions) and, when the user may read the
// run's quality, its counts and quality figures.
type LinkageRunRow struct {
	ID        int64                   `json:"id"`
	CreatedBy string                  `json:"created_by"`
	CreatedAt time.Time               `json:"created_at"`
	Datasets  []linkrun.LinkedVersion `json:"datasets"`
	Purpose   string                  `json:"purpose,omitempty"`
	// Mode is "full" or "incremental"; ParentID the run an incremental
	// run extended (or a full run took its entity ids from).
	Mode     string `json:"mode,omitempty"`
	ParentID int64  `json:"parent_id,omitempty"`
	// Restricted says why the counts are not shown ("" when they are).
	Restricted string            `json:"restricted,omitempty"`
	Records    int64             `json:"records,omitempty"`
	Entities   int64             `json:"entities,omitempty"`
	Matches    int64             `json:"matches,omitempty"`
	Threshold  float64           `json:"threshold,omitempty"`
	Estimate   *linkrun.Estimate `json:"estimate,omitempty"`
	// Truth is the run measured against a known truth (synthetic data).
	Truth *TruthScore `json:"truth,omitempty"`
}

// TruthScore is a run measured against the truth.
type TruthScore struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	BCubedF1  float64 `json:"bcubed_f1"`
}

// truthScore condenses a stored evaluation.
func truthScore(p *eval.PairReport, c *eval.ClusterReport) *TruthScore {
	return &TruthScore{Precision: p.Precision, Recall: p.Recall, F1: p.F1, BCubedF1: c.BCubedF1}
}

// linker is the server's governed access to linkage runs, or why there
// is none.
func (s *Server) linker() (*linker, error) {
	if s.cfg.Linkage == nil || s.cfg.Linkage.Store == nil {
		return nil, fault.Errorf(fault.NotFound, "this server has no linkage service configured: start it with `civiclink serve`")
	}
	return &linker{st: s.cfg.Linkage.Store, az: s.cfg.Linkage.Gov, svc: s.cfg.Linkage}, nil
}

// runID parses the {id} of a run's path.
func runID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.Errorf(fault.NotFound, "no linkage run %q: run ids are whole numbers (see /linkage)", r.PathValue("id"))
	}
	return id, nil
}

// runPurpose is the purpose a run's figures are read for: the purpose the
// run was made for; for an older run that recorded none, the request's
// ?purpose= or the server's default.
func (s *Server) runPurpose(r *http.Request, made string) string {
	if made != "" {
		return made
	}
	return s.purpose(r)
}

func (s *Server) apiLinkageRuns(w http.ResponseWriter, r *http.Request) error {
	lk, err := s.linker()
	if err != nil {
		return err
	}
	rows, err := lk.runs(r.Context(), who(r).User, s.purpose(r), 20)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"runs": rows})
	return nil
}

func (s *Server) apiLinkageRun(w http.ResponseWriter, r *http.Request) error {
	q, err := s.quality(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, q)
	return nil
}

// quality reads the run named in the path, governed.
func (s *Server) quality(r *http.Request) (*LinkageQuality, error) {
	lk, err := s.linker()
	if err != nil {
		return nil, err
	}
	id, err := runID(r)
	if err != nil {
		return nil, err
	}
	run, err := lk.st.LinkageRun(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if err := lk.svc.CheckVisible(r.Context(), who(r).User, run); err != nil {
		return nil, err
	}
	return lk.quality(r.Context(), who(r).User, run, s.runPurpose(r, run.Purpose))
}

// linkageJob returns the linkage job named in the path if it is the user's.
func (s *Server) linkageJob(r *http.Request) (Job, error) {
	j, _, err := s.job(r)
	if err == nil && j.Kind != jobLinkage {
		err = fault.Errorf(fault.NotFound, "job %q is not a linkage run: see /jobs/%s", j.ID, j.ID)
	}
	return j, err
}

// recordLinkEvent puts a linkage run's start or outcome on the audit log.
func (s *Server) recordLinkEvent(ctx context.Context, e govern.Event) {
	if err := s.record(ctx, e); err != nil {
		s.cfg.Log.Error("audit: linkage event not recorded", "target", e.Target, "err", err)
	}
}
