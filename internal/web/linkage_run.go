package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/linkrun"
)

// LinkRequest asks for a linkage run.
type LinkRequest struct {
	Datasets []string `json:"datasets"`
	Purpose  string   `json:"purpose"`
	// Incremental links only the records added or changed since the
	// parent run (From, or the latest), keeping its entity ids; Datasets
	// may then be empty to take the parent's.
	Incremental bool  `json:"incremental,omitempty"`
	From        int64 `json:"from,omitempty"`
}

// Linkable is a dataset that can be linked and whether the user may link
// it for the purpose asked about.
type Linkable struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Partner string `json:"partner"`
	// Allowed is the gate's answer for linking this dataset alone; Reason
	// says why not.
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason,omitempty"`
}

// stater is a governance service that can show its decision state, so
// that a form can offer only what the gate would allow (the real decision
// is still asked, and recorded, when the run starts).
type stater interface {
	State(ctx context.Context) (govern.State, error)
}

// linkable lists the datasets with a record id and identifiers, marked
// with the gate's decision for u and purpose.
func (s *Server) linkable(ctx context.Context, u *govern.User, purpose string) ([]Linkable, error) {
	ds, err := s.cfg.Catalog.Datasets(ctx)
	if err != nil {
		return nil, err
	}
	var state *govern.State
	if g, ok := s.cfg.Govern.(stater); ok {
		st, err := g.State(ctx)
		if err != nil {
			return nil, err
		}
		state = &st
	}
	out := []Linkable{}
	for _, d := range ds {
		cols := linkColumns(d)
		if cols == nil {
			continue
		}
		l := Linkable{ID: d.ID, Name: d.Name, Partner: d.PartnerID, Allowed: true}
		if state != nil {
			dec := govern.Decide(*state, u, govern.Request{Operation: linkrun.OpRun, Purpose: purpose, Output: govern.Aggregate, Reads: []govern.Read{{Dataset: d.ID, Columns: cols}}, Linkage: true})
			if !dec.Allow {
				l.Allowed, l.Reason = false, dec.String()
			}
		}
		out = append(out, l)
	}
	return out, nil
}

func (s *Server) apiLinkable(w http.ResponseWriter, r *http.Request) error {
	list, err := s.linkable(r.Context(), who(r).User, s.purpose(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"purpose": s.purpose(r), "datasets": list})
	return nil
}

func (s *Server) apiStartLinkage(w http.ResponseWriter, r *http.Request) error {
	var req LinkRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return fault.Errorf(fault.Invalid, "send JSON {\"datasets\": [\"a\", \"b\"], \"purpose\": \"…\"}: %v", err)
	}
	j, err := s.startLinkage(r.Context(), who(r).User, req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/jobs/"+j.ID)
	writeJSON(w, http.StatusAccepted, j)
	return nil
}

// postLinkage starts a run from the form and goes to its progress page.
func (s *Server) postLinkage(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.Errorf(fault.Invalid, "the form could not be read: reload the page and try again")
	}
	req := LinkRequest{Datasets: r.PostForm["dataset"], Purpose: r.PostForm.Get("purpose"), Incremental: r.PostForm.Get("mode") == "incremental"}
	j, err := s.startLinkage(r.Context(), who(r).User, req)
	if code := fault.Code(err); code == fault.Forbidden || code == fault.Invalid || code == fault.NotFound {
		// The form again, for the purpose asked, saying what is missing
		// for each dataset and keeping what was chosen.
		refused := []string{webWords(fault.Message(err))}
		var lr *linkRefusal
		if errors.As(err, &lr) {
			refused = lr.reasons
		}
		chosen := map[string]bool{}
		for _, d := range req.Datasets {
			chosen[d] = true
		}
		return s.linkagePage(w, r, status(fault.Code(err)), req.Purpose, map[string]any{"Refused": refused, "Chosen": chosen, "Incremental": req.Incremental})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/linkage/jobs/"+j.ID, http.StatusSeeOther)
	return nil
}

// startLinkage checks a request, asks the gate (a refusal is recorded and
// returned at once, not as a failed job) and starts the run in the
// background: in this process, or, with a shared queue, in whichever
// process claims it.
func (s *Server) startLinkage(ctx context.Context, u *govern.User, req LinkRequest) (Job, error) {
	lk, err := s.linker()
	if err != nil {
		return Job{}, err
	}
	req.Datasets = dedupe(req.Datasets)
	if req.Incremental && len(req.Datasets) == 0 {
		parent, err := lk.st.LinkageRun(ctx, req.From)
		if err != nil {
			return Job{}, err
		}
		for _, d := range parent.Datasets {
			req.Datasets = append(req.Datasets, d.DatasetID)
		}
	}
	if len(req.Datasets) == 0 {
		return Job{}, fault.FieldErrorf(fault.Invalid, "datasets", "choose at least one dataset to link (one is deduplicated; several are linked across)")
	}
	if req.Purpose == "" {
		return Job{}, fault.FieldErrorf(fault.Invalid, "purpose", "choose the purpose the linkage serves: the agreements that allow it are for a purpose")
	}
	target := "linkage:" + strings.Join(req.Datasets, ",")
	if err := s.precheck(ctx, lk, u, req); err != nil {
		if fault.Code(err) == fault.Forbidden {
			return Job{}, s.refuse(ctx, u, "link.start", target, err)
		}
		return Job{}, err
	}
	e := event(u, "link.start", target)
	e.Purpose, e.Details = req.Purpose, map[string]any{"datasets": req.Datasets, "incremental": req.Incremental, "from": req.From, "state": "started"}
	if err := s.record(ctx, e); err != nil {
		return Job{}, err
	}
	j := Job{Kind: jobLinkage, UserID: u.ID, Datasets: req.Datasets, Purpose: req.Purpose, Stage: "queued", Incremental: req.Incremental}
	if s.cfg.Queue != nil {
		return s.enqueueLinkage(ctx, j, req)
	}
	j = s.jobs.start(j)
	s.jobs.run(func(ctx context.Context) { s.runLinkage(ctx, j.ID, lk, u, req) })
	return j, nil
}

// precheck finds unknown or unlinkable datasets and, where the governance
// service shows its state, the gate's answer, before a job starts.
func (s *Server) precheck(ctx context.Context, lk *linker, u *govern.User, req LinkRequest) error {
	var reads []govern.Read
	for _, id := range req.Datasets {
		d, err := lk.st.Dataset(ctx, id)
		if err != nil {
			return err
		}
		cols := linkColumns(d)
		if cols == nil {
			return fault.Errorf(fault.Invalid, "dataset %s has no record id and pseudonymous identifiers, so it cannot be linked: pseudonymise it at source first", id)
		}
		reads = append(reads, govern.Read{Dataset: id, Columns: cols})
	}
	g, ok := s.cfg.Govern.(stater)
	if !ok {
		return nil
	}
	st, err := g.State(ctx)
	if err != nil {
		return err
	}
	areq := govern.Request{Operation: linkrun.OpRun, Purpose: req.Purpose, Output: govern.Aggregate, Reads: reads, Linkage: true}
	if d := govern.Decide(st, u, areq); !d.Allow {
		// Decide again through the gate, which records the refusal.
		_, err := s.cfg.Govern.Authorize(ctx, u, areq)
		if err == nil {
			err = fault.Errorf(fault.Forbidden, "%s", govern.DenialMessage(areq, d))
		}
		var fe *fault.Error
		if fault.Code(err) != fault.Forbidden || !errors.As(err, &fe) {
			return err
		}
		reasons := make([]string, len(d.Reasons))
		for i, why := range d.Reasons {
			reasons[i] = webWords(why.Message)
		}
		return &linkRefusal{err: fe, reasons: reasons}
	}
	return nil
}

// linkRefusal is a linkage run the gate refused, with each of its
// reasons (one per dataset lacking an agreement, then what to do), so
// that the web form can list them.
type linkRefusal struct {
	err     *fault.Error
	reasons []string
}

func (e *linkRefusal) Error() string { return e.err.Error() }
func (e *linkRefusal) Unwrap() error { return e.err }

// runLinkage runs one linkage job to the end: the engine's stages report
// progress; the linkage service stores the run and records it in the
// audit log, with its summary for the quality page.
func (s *Server) runLinkage(ctx context.Context, id string, lk *linker, u *govern.User, req LinkRequest) {
	s.jobs.update(id, func(j *Job) { j.State, j.Stage = jobRunning, "read" })
	// The engine reports progress from its worker goroutines.
	var mu sync.Mutex
	last := time.Time{}
	opt := link.Options{Progress: func(stage string, done, total int) {
		mu.Lock()
		defer mu.Unlock()
		if now := time.Now(); now.Sub(last) > 100*time.Millisecond || done == total {
			last = now
			s.jobs.update(id, func(j *Job) { j.Stage, j.Done, j.Total = stage, int64(done), int64(total) })
		}
	}}
	res, err := lk.svc.Run(ctx, u, linkrun.Request{Datasets: req.Datasets, Purpose: req.Purpose, Incremental: req.Incremental, From: req.From}, opt)
	if err != nil {
		_, _, msg := s.public(err, "job", id)
		e := event(u, "link", "linkage:"+strings.Join(req.Datasets, ","))
		e.Purpose, e.Outcome, e.Reason = req.Purpose, govern.OutcomeDenied, msg
		s.recordLinkEvent(context.WithoutCancel(ctx), e)
		s.jobs.update(id, func(j *Job) { j.State, j.Error = jobFailed, msg })
		return
	}
	s.jobs.update(id, func(j *Job) {
		j.State, j.Stage, j.RunID = jobDone, "done", res.Run.ID
		j.Done, j.Total = int64(res.Records), int64(res.Records)
	})
}

// dedupe drops empty and repeated names, keeping the first order.
func dedupe(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x = strings.TrimSpace(x); x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
