package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// maxUses caps the uses a page or API answer lists (the newest); Total
// says how many matched.
const maxUses = 500

// Use is one use of a partner's data as the audit log records it: who, on
// behalf of which partner, for what purpose, what operation, when, which of
// the partner's datasets, and the rows or cells where the entry counts them.
type Use struct {
	Index     uint64    `json:"index"`
	Time      time.Time `json:"time"`
	User      string    `json:"user"`
	Partner   string    `json:"partner,omitempty"`
	Purpose   string    `json:"purpose,omitempty"`
	Action    string    `json:"action"`
	Operation string    `json:"operation,omitempty"`
	Datasets  []string  `json:"datasets"`
	Agreement string    `json:"agreement,omitempty"`
	Outcome   string    `json:"outcome"`
	Reason    string    `json:"reason,omitempty"`
	Rows      *int64    `json:"rows,omitempty"`
	Cells     *int64    `json:"cells,omitempty"`
}

// Uses answers "who used my data": the uses of one partner's data (all
// partners' for an auditor who names none), newest first.
type Uses struct {
	Partner string `json:"partner"`
	Dataset string `json:"dataset,omitempty"`
	Since   string `json:"since,omitempty"`
	Until   string `json:"until,omitempty"`
	Total   int    `json:"total"`
	Uses    []Use  `json:"uses"`
}

// uses reads the uses the request asks for, after checking that the user
// may see them (govern.CanSeeUses), and records the read.
func (s *Server) uses(r *http.Request) (*Uses, error) {
	if s.cfg.AuditLog == nil {
		return nil, fault.Errorf(fault.NotFound, "this server has no audit log configured")
	}
	ctx, u, q := r.Context(), who(r).User, r.URL.Query()
	out := &Uses{Partner: q.Get("partner"), Dataset: q.Get("dataset"), Since: q.Get("since"), Until: q.Get("until")}
	if out.Partner == "" && !u.Has(govern.Auditor) {
		out.Partner = u.PartnerID
	}
	if err := govern.CanSeeUses(u, out.Partner); err != nil {
		return nil, s.refuse(ctx, u, "audit.uses", "audit-log", err)
	}
	f := audit.Filter{Owner: out.Partner, Dataset: out.Dataset}
	var err error
	if f.Since, err = day(out.Since, "since"); err != nil {
		return nil, err
	}
	if f.Until, err = day(out.Until, "until"); err != nil {
		return nil, err
	}
	if !f.Until.IsZero() {
		f.Until = f.Until.AddDate(0, 0, 1) // the page's "until" day is included
	}
	es, err := s.cfg.AuditLog.Entries(ctx, f)
	if err != nil {
		return nil, err
	}
	out.Uses = []Use{}
	for i := len(es) - 1; i >= 0; i-- {
		if use, ok := useOf(es[i], out.Partner); ok {
			out.Total++
			if len(out.Uses) < maxUses {
				out.Uses = append(out.Uses, use)
			}
		}
	}
	e := event(u, "audit.uses", "audit-log")
	e.Details = map[string]any{"filter": f, "entries": out.Total}
	return out, s.record(ctx, e)
}

// useOf is an entry as a use of owner's data ("" for any owner); ok is
// false when the entry touched none of it.
func useOf(e audit.Entry, owner string) (Use, bool) {
	v := e.Event
	use := Use{Index: e.Index, Time: v.Time, User: v.User, Partner: v.Partner, Purpose: v.Purpose, Action: v.Action,
		Operation: v.Target, Agreement: v.Agreement, Outcome: v.Outcome, Reason: v.Reason, Datasets: []string{}}
	for _, d := range v.Datasets {
		if owner == "" || d.Owner == owner {
			use.Datasets = append(use.Datasets, d.ID)
		}
	}
	if len(use.Datasets) == 0 {
		return use, false
	}
	var counts struct {
		Rows  *int64 `json:"rows"`
		Cells *int64 `json:"cells"`
	}
	if len(v.Details) > 0 && json.Unmarshal(v.Details, &counts) == nil {
		use.Rows, use.Cells = counts.Rows, counts.Cells
	}
	return use, true
}

// day parses a YYYY-MM-DD query value; "" is no limit.
func day(s, name string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fault.Errorf(fault.Invalid, "%s %q is not a date: write it as YYYY-MM-DD", name, s)
	}
	return t, nil
}

func (s *Server) apiAuditUses(w http.ResponseWriter, r *http.Request) error {
	out, err := s.uses(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// Verification is the outcome of replaying the whole audit log: every
// entry against its hash, every signed tree head against its key. Running
// is set, and nothing else, while the first verification is under way.
type Verification struct {
	Running   bool      `json:"running,omitempty"`
	Verified  bool      `json:"verified"`
	Entries   uint64    `json:"entries"`
	Root      string    `json:"root,omitempty"`
	Heads     int       `json:"heads"`
	KeyID     string    `json:"key_id,omitempty"`
	Trusted   bool      `json:"trusted"`
	Problem   string    `json:"problem,omitempty"`
	CheckedAt time.Time `json:"checked_at,omitzero"`
}

// verification keeps the last verification. Replaying the log takes time
// in proportion to its size, so pages show the last one; the first look
// starts one in the background, and a user may ask for a new one.
type verification struct {
	run     sync.Mutex // one replay at a time
	mu      sync.Mutex // guards last and running
	last    *Verification
	running bool
}

// verify returns the last verification. With force, or when there is
// none and wait is set, it runs one and waits for it; when there is none
// and wait is not set, it starts one in the background and says so. Only
// users who may see uses may verify; each run is recorded.
func (s *Server) verify(ctx context.Context, u *govern.User, force, wait bool) (*Verification, error) {
	if s.cfg.AuditLog == nil {
		return nil, fault.Errorf(fault.NotFound, "this server has no audit log configured")
	}
	partner := u.PartnerID
	if u.Has(govern.Auditor) {
		partner = ""
	}
	if err := govern.CanSeeUses(u, partner); err != nil {
		return nil, s.refuse(ctx, u, "audit.verify", "audit-log", err)
	}
	v := &s.verified
	v.mu.Lock()
	last, running := v.last, v.running
	if last == nil && !force && !wait && !running {
		v.running = true
	}
	v.mu.Unlock()
	switch {
	case last != nil && !force:
		cp := *last
		return &cp, nil
	case force || wait:
		return s.replay(ctx, u)
	case !running:
		go func() {
			if _, err := s.replay(context.WithoutCancel(ctx), u); err != nil {
				s.cfg.Log.Error("audit log verification", "err", err)
			}
		}()
	}
	return &Verification{Running: true}, nil
}

// replay verifies the whole log now, records that it did, and keeps the
// result.
func (s *Server) replay(ctx context.Context, u *govern.User) (*Verification, error) {
	s.verified.run.Lock()
	defer s.verified.run.Unlock()
	defer func() {
		s.verified.mu.Lock()
		s.verified.running = false
		s.verified.mu.Unlock()
	}()
	rep, err := s.cfg.AuditLog.Verify(ctx, audit.Options{Trusted: s.cfg.AuditKeys})
	if err != nil {
		return nil, err
	}
	v := &Verification{Verified: rep.Problem == nil, Entries: rep.Size, Root: base64.StdEncoding.EncodeToString(rep.Root),
		Heads: rep.Heads, KeyID: rep.Latest.KeyID, Trusted: rep.Trusted, CheckedAt: s.cfg.Clock.Now()}
	if rep.Problem != nil {
		v.Problem = rep.Problem.Error()
	}
	e := event(u, "audit.verify", "audit-log")
	e.Details = map[string]any{"entries": v.Entries, "verified": v.Verified}
	if err := s.record(ctx, e); err != nil {
		return nil, err
	}
	s.verified.mu.Lock()
	s.verified.last = v
	s.verified.mu.Unlock()
	cp := *v
	return &cp, nil
}

func (s *Server) apiAuditVerification(w http.ResponseWriter, r *http.Request) error {
	v, err := s.verify(r.Context(), who(r).User, false, r.URL.Query().Get("wait") == "true")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) apiAuditVerify(w http.ResponseWriter, r *http.Request) error {
	v, err := s.verify(r.Context(), who(r).User, true, true)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) pageAudit(w http.ResponseWriter, r *http.Request) error {
	out, err := s.uses(r)
	if err != nil {
		return err
	}
	u := who(r).User
	v, err := s.verify(r.Context(), u, false, false)
	if err != nil {
		return err
	}
	data := map[string]any{"Title": "Who used my data", "Uses": out, "Verification": v, "Auditor": u.Has(govern.Auditor)}
	if err := s.auditChoices(r.Context(), u, out.Partner, data); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "audit", data)
	return nil
}

// auditChoices adds the filter form's partners (auditors) and datasets.
func (s *Server) auditChoices(ctx context.Context, u *govern.User, partner string, data map[string]any) error {
	ds, err := s.cfg.Catalog.Datasets(ctx)
	if err != nil {
		return err
	}
	var own []*catalog.Dataset
	for _, d := range ds {
		if partner == "" || d.PartnerID == partner {
			own = append(own, d)
		}
	}
	data["Datasets"] = own
	if u.Has(govern.Auditor) {
		ps, err := s.cfg.Catalog.Partners(ctx)
		if err != nil {
			return err
		}
		data["Partners"] = ps
	}
	return nil
}

func (s *Server) postAuditVerify(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.verify(r.Context(), who(r).User, true, true); err != nil {
		return err
	}
	return seeOther(w, r, "/audit#verification")
}
