package web

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// usesPage is how many uses a page or API answer lists; "Older" and
// "Newer" links (the API's next and prev cursors) page through the rest.
const usesPage = 50

// Use is one use of a partner's data ([audit.Use]).
type Use = audit.Use

// Uses answers "who used my data": one page of the uses of one partner's
// data (all partners' for an auditor who names none), newest first.
type Uses struct {
	Partner string `json:"partner"`
	Dataset string `json:"dataset,omitempty"`
	Since   string `json:"since,omitempty"`
	Until   string `json:"until,omitempty"`
	Count   int    `json:"count"` // uses on this page
	Uses    []Use  `json:"uses"`
	// Next is the cursor of the page of older uses (ask again with
	// ?before=next); absent when there are none.
	Next uint64 `json:"next,omitzero"`
	// Prev is the cursor of the page of newer uses (ask again with
	// ?after=prev); absent when this page holds the newest.
	Prev *uint64 `json:"prev,omitempty"`
	// Older and Newer are the page's links to those pages, filters kept.
	Older string `json:"-"`
	Newer string `json:"-"`
}

// uses reads the page of uses the request asks for, after checking that
// the user may see them (govern.CanSeeUses), and records the read. Without
// a cursor it is the newest usesPage; ?before=N the ones below index N,
// ?after=N the ones above it. Each answer reads about a page of the log,
// however long the log has grown.
func (s *Server) uses(r *http.Request, size int) (*Uses, error) {
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
	uq := audit.UsesQuery{Owner: out.Partner, Dataset: out.Dataset, Size: size}
	var err error
	if uq.Since, err = day(out.Since, "since"); err != nil {
		return nil, err
	}
	if uq.Until, err = day(out.Until, "until"); err != nil {
		return nil, err
	}
	if !uq.Until.IsZero() {
		uq.Until = uq.Until.AddDate(0, 0, 1) // the page's "until" day is included
	}
	if uq.Page, err = cursorOf(q); err != nil {
		return nil, err
	}
	page, err := audit.Uses(ctx, s.cfg.AuditLog, uq)
	if err != nil {
		return nil, err
	}
	out.Uses, out.Count, out.Next, out.Prev = page.Uses, len(page.Uses), page.Next, page.Prev
	out.links(q)
	ev := event(u, "audit.uses", "audit-log")
	ev.Details = map[string]any{"filter": page.Filter, "cursor": uq.Page, "entries": out.Count}
	return out, s.record(ctx, ev)
}

// cursor says where a page of uses starts ([audit.Page]).
type cursor = audit.Page

// cursorOf reads ?before= and ?after= (at most one of them).
func cursorOf(q url.Values) (cursor, error) {
	var c cursor
	index := func(name string) (uint64, error) {
		n, err := strconv.ParseUint(q.Get(name), 10, 63)
		if err != nil {
			return 0, fault.Errorf(fault.Invalid, "%s %q is not an entry index: use the cursor a page of uses gave (next or prev)", name, q.Get(name))
		}
		return n, nil
	}
	var err error
	switch {
	case q.Has("before") && q.Has("after"):
		return c, fault.Errorf(fault.Invalid, "give before or after, not both: before pages to older uses, after to newer")
	case q.Has("before"):
		if c.Before, err = index("before"); err == nil && c.Before == 0 {
			err = fault.Errorf(fault.Invalid, "before must be above 0: nothing is older than entry 0")
		}
	case q.Has("after"):
		var n uint64
		n, err = index("after")
		c.After = &n
	}
	return c, err
}

// links sets the links to the older and newer pages, filters kept.
func (out *Uses) links(q url.Values) {
	link := func(name string, v uint64) string {
		l := url.Values{}
		for _, k := range []string{"partner", "dataset", "since", "until"} {
			if q.Get(k) != "" {
				l.Set(k, q.Get(k))
			}
		}
		l.Set(name, strconv.FormatUint(v, 10))
		return "/audit?" + l.Encode()
	}
	if out.Next != 0 {
		out.Older = link("before", out.Next)
	}
	if out.Prev != nil {
		out.Newer = link("after", *out.Prev)
	}
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
	out, err := s.uses(r, usesPage)
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
	out, err := s.uses(r, s.usesGrouped)
	if err != nil {
		return err
	}
	u := who(r).User
	v, err := s.verify(r.Context(), u, false, false)
	if err != nil {
		return err
	}
	data := map[string]any{"Title": "Who used my data", "Uses": out, "Groups": groupUses(out.Uses), "Verification": v, "Auditor": u.Has(govern.Auditor)}
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
