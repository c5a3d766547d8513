package community

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// PublicSubmitter is who a suggestion from the public form is by.
const PublicSubmitter = "public"

// Directory is the community directory's one service: it imports,
// takes suggestions, moderates and serves the published entries. Every
// change is recorded in Audit. Build one per store with [NewDirectory]
// and make every change through it: it keeps the published entries in
// memory and refreshes them after its own changes.
type Directory struct {
	Store  Store
	Audit  govern.Recorder
	Clock  clock.Clock
	Placer *Placer

	mu    sync.Mutex
	index *Index // nil: load on next read
	gen   uint64 // the store's generation the index was read at
}

// Generational is a store that counts its directory's changes, other
// processes' included (PostgreSQL): the directory re-reads when the count
// moves. A store without it is changed only through this directory.
type Generational interface {
	CommunityGeneration() uint64
}

// NewDirectory returns a directory over st.
func NewDirectory(st Store, audit govern.Recorder, clk clock.Clock, placer *Placer) *Directory {
	if clk == nil {
		clk = clock.System{}
	}
	return &Directory{Store: st, Audit: audit, Clock: clk, Placer: placer}
}

// Editor reports whether u may moderate and import: a community editor.
func Editor(u *govern.User) bool { return u != nil && !u.Disabled && u.Has(govern.CommunityEditor) }

// CanEdit reports whether u may change a service owned by owner: a
// community editor of the owning partner, or any community editor for a
// service not yet owned (a new one, which becomes u's partner's).
func CanEdit(u *govern.User, owner string) bool {
	return Editor(u) && (owner == "" || owner == u.PartnerID)
}

// notYours is the reason an editor of another partner may not change a
// service.
func notYours(serviceID, owner string) string {
	return fmt.Sprintf("service %s is an entry of partner %s: only its community editors may change it; suggest a correction for them to moderate instead", serviceID, owner)
}

// ImportResult counts what an import did.
type ImportResult struct {
	New       int     `json:"new"`
	Changed   int     `json:"changed"`
	Unchanged int     `json:"unchanged"`
	Queued    []int64 `json:"queued,omitempty"` // submission ids waiting in moderation
	Published bool    `json:"published"`
}

// Prepare normalises, validates and places a service, returning every
// problem.
func (d *Directory) Prepare(s *Service) Problems {
	normalise(s)
	ps := Validate(s)
	if len(ps) == 0 && d.Placer != nil {
		ps = d.Placer.Place(s)
	}
	return ps
}

// normalise orders a service's themes and trims its text, so equal
// content has an equal digest.
func normalise(s *Service) {
	sort.Strings(s.Themes)
	s.Name, s.Description = strings.TrimSpace(s.Name), strings.TrimSpace(s.Description)
	s.Organisation.Name = strings.TrimSpace(s.Organisation.Name)
}

// Import adds services read from a feed: each new or changed one becomes a
// submission, published at once when publish is set (u must be a
// community editor to import at all, and to publish a change, an editor
// of the partner that owns the service: see [CanEdit]). A service equal to its published
// version is left alone, so re-importing an export changes nothing. Any
// problem in any service refuses the whole import.
func (d *Directory) Import(ctx context.Context, u *govern.User, services []Service, publish bool, source string) (*ImportResult, error) {
	if !Editor(u) {
		return nil, d.refuse(ctx, u, "community.import", source, "only a community editor may import into the directory")
	}
	current, err := d.current(ctx)
	if err != nil {
		return nil, err
	}
	var ps Problems
	var others []string // changes to other partners' entries
	res := &ImportResult{Published: publish}
	var subs []*Submission
	now := d.Clock.Now().UTC()
	for i := range services {
		s := services[i]
		for _, p := range d.Prepare(&s) {
			p.Field = "service " + s.ID + ": " + p.Field
			ps = append(ps, p)
		}
		old, exists := current.byID[s.ID]
		if exists {
			s.Contacts = keepPrivateContacts(s.Contacts, old.Service.Contacts)
			if s.Digest() == old.Service.Digest() {
				res.Unchanged++
				continue
			}
			res.Changed++
			if publish && !CanEdit(u, old.Owner) {
				others = append(others, notYours(s.ID, old.Owner))
			}
		} else {
			res.New++
		}
		sub := &Submission{Service: s, Correction: exists, Note: "imported from " + source, SubmittedBy: u.ID, SubmittedAt: now, Status: Pending}
		if publish {
			sub.Status, sub.DecidedBy, sub.DecidedAt, sub.Owner = Published, u.ID, now, u.PartnerID
		}
		subs = append(subs, sub)
	}
	if err := ps.Err(); err != nil {
		return nil, d.refuse(ctx, u, "community.import", source, err.Error(), err)
	}
	if len(others) > 0 {
		return nil, d.refuse(ctx, u, "community.import", source, fmt.Sprintf("%d changed services are other partners' entries, nothing was imported: %s",
			len(others), strings.Join(others, "; ")))
	}
	if len(subs) > 0 {
		if err := d.Store.AddCommunitySubmissions(ctx, subs); err != nil {
			return nil, err
		}
		d.invalidate()
	}
	for _, s := range subs {
		if s.Status == Pending {
			res.Queued = append(res.Queued, s.ID)
		}
	}
	return res, d.record(ctx, u, "community.import", source, res)
}

// keepPrivateContacts adds to an imported service's contacts the ones it
// had without consent: a feed never carries them, so importing an export
// must not drop them.
func keepPrivateContacts(in, old []Contact) []Contact {
	seen := map[string]bool{}
	for _, c := range in {
		seen[c.ID] = true
	}
	for _, c := range old {
		if !c.Consent && !seen[c.ID] {
			in = append(in, c)
		}
	}
	return in
}

// Suggest puts a suggested entry or correction from the public (u nil)
// or a signed-in user in the moderation queue.
func (d *Directory) Suggest(ctx context.Context, u *govern.User, s Service, note string) (*Submission, error) {
	by := PublicSubmitter
	if u != nil {
		by = u.ID
	}
	var ps Problems
	text(&ps, "note", note, 2000)
	ps = append(ps, d.Prepare(&s)...)
	if err := ps.Err(); err != nil {
		d.recordAs(ctx, by, "community.suggest", "service:"+s.ID, govern.OutcomeDenied, err.Error(), nil)
		return nil, err
	}
	current, err := d.current(ctx)
	if err != nil {
		return nil, err
	}
	old, exists := current.byID[s.ID]
	if exists {
		s.Contacts = keepPrivateContacts(s.Contacts, old.Service.Contacts)
	}
	sub := &Submission{Service: s, Correction: exists, Note: note, SubmittedBy: by, SubmittedAt: d.Clock.Now().UTC(), Status: Pending}
	if err := d.Store.AddCommunitySubmissions(ctx, []*Submission{sub}); err != nil {
		return nil, err
	}
	return sub, d.recordAs(ctx, by, "community.suggest", fmt.Sprintf("submission:%d", sub.ID), govern.OutcomeAllowed, "", map[string]any{"service": s.ID, "correction": exists})
}

// RecordRefusedSuggestion records a suggestion from the public (u nil) or
// a signed-in user refused before it was read, for reason (too many from
// one address, or filled in by a program).
func (d *Directory) RecordRefusedSuggestion(ctx context.Context, u *govern.User, reason string) error {
	by := PublicSubmitter
	if u != nil {
		by = u.ID
	}
	return d.recordAs(ctx, by, "community.suggest", "community:suggestions", govern.OutcomeDenied, reason, nil)
}

// Publish publishes a pending submission as its service's next version.
func (d *Directory) Publish(ctx context.Context, u *govern.User, id int64) (*Submission, error) {
	return d.decide(ctx, u, id, Published, "")
}

// Reject rejects a pending submission with a reason the submitter can read.
func (d *Directory) Reject(ctx context.Context, u *govern.User, id int64, reason string) (*Submission, error) {
	var ps Problems
	required(&ps, "reason", reason, 1000)
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return d.decide(ctx, u, id, Rejected, reason)
}

func (d *Directory) decide(ctx context.Context, u *govern.User, id int64, to Status, reason string) (*Submission, error) {
	target := fmt.Sprintf("submission:%d", id)
	action := "community." + map[Status]string{Published: "publish", Rejected: "reject"}[to]
	if !Editor(u) {
		return nil, d.refuse(ctx, u, action, target, "only a community editor may publish or reject a submission")
	}
	sub, err := d.Store.CommunitySubmission(ctx, id)
	if err != nil {
		return nil, err
	}
	if sub.Status != Pending {
		return nil, fault.Errorf(fault.Conflict, "submission %d is already %s", id, sub.Status)
	}
	if vs, err := d.Store.CommunityVersions(ctx, sub.Service.ID); err != nil {
		return nil, err
	} else if len(vs) > 0 && !CanEdit(u, vs[len(vs)-1].Owner) {
		return nil, d.refuse(ctx, u, action, target, notYours(sub.Service.ID, vs[len(vs)-1].Owner))
	}
	if to == Published {
		s := sub.Service
		if err := d.Prepare(&s).Err(); err != nil { // the rules may have tightened since
			return nil, d.refuse(ctx, u, action, target, err.Error(), err)
		}
	}
	sub.Status, sub.Reason, sub.DecidedBy, sub.DecidedAt, sub.Owner = to, reason, u.ID, d.Clock.Now().UTC(), u.PartnerID
	if err := d.Store.DecideCommunitySubmission(ctx, sub); err != nil {
		return nil, err
	}
	d.invalidate()
	return sub, d.record(ctx, u, action, target, map[string]any{"service": sub.Service.ID, "version": sub.Version, "reason": reason})
}

// Queue lists the submissions waiting for moderation, oldest first.
func (d *Directory) Queue(ctx context.Context, u *govern.User) ([]Submission, error) {
	if !Editor(u) {
		return nil, fault.Errorf(fault.Forbidden, "only a community editor may see the moderation queue")
	}
	return d.Store.CommunitySubmissions(ctx, Pending)
}

// History returns a service's published versions, oldest first.
func (d *Directory) History(ctx context.Context, id string) ([]Version, error) {
	vs, err := d.Store.CommunityVersions(ctx, id)
	if err == nil && len(vs) == 0 {
		err = fault.Errorf(fault.NotFound, "no published service %q", id)
	}
	return vs, err
}

// Published returns the published directory's index.
func (d *Directory) Published(ctx context.Context) (*Index, error) { return d.current(ctx) }

func (d *Directory) current(ctx context.Context) (*Index, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var gen uint64
	if g, ok := d.Store.(Generational); ok {
		gen = g.CommunityGeneration()
	}
	if d.index != nil && gen == d.gen {
		return d.index, nil
	}
	vs, err := d.Store.CommunityCurrent(ctx)
	if err != nil {
		return nil, err
	}
	d.index, d.gen = NewIndex(vs), gen
	return d.index, nil
}

func (d *Directory) invalidate() {
	d.mu.Lock()
	d.index = nil
	d.mu.Unlock()
}

func (d *Directory) record(ctx context.Context, u *govern.User, action, target string, details any) error {
	return d.recordAs(ctx, u.ID, action, target, govern.OutcomeAllowed, "", details, u.PartnerID)
}

// refuse records a refusal and returns it as an error (the cause when
// given, else a fault.Forbidden with the reason).
func (d *Directory) refuse(ctx context.Context, u *govern.User, action, target, reason string, cause ...error) error {
	by, partner := PublicSubmitter, ""
	if u != nil {
		by, partner = u.ID, u.PartnerID
	}
	if err := d.recordAs(ctx, by, action, target, govern.OutcomeDenied, reason, nil, partner); err != nil {
		return err
	}
	if len(cause) > 0 {
		return cause[0]
	}
	return fault.Errorf(fault.Forbidden, "%s", reason)
}

func (d *Directory) recordAs(ctx context.Context, by, action, target, outcome, reason string, details any, partner ...string) error {
	e := govern.Event{At: d.Clock.Now().UTC(), User: by, Action: action, Target: target, Outcome: outcome, Reason: reason, Details: details}
	if len(partner) > 0 {
		e.Partner = partner[0]
	}
	if d.Audit == nil {
		return fault.Errorf(fault.Internal, "the community directory has no audit log")
	}
	if err := d.Audit.Record(ctx, e); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot record the change in the audit log")
	}
	return nil
}

// RefuseImport records a refused import (a feed with problems) and
// returns the problems as the error.
func (d *Directory) RefuseImport(ctx context.Context, u *govern.User, source string, ps Problems) error {
	return d.refuse(ctx, u, "community.import", source, ps.Error(), ps.Err())
}

// RecordExport records an export of the published directory.
func (d *Directory) RecordExport(ctx context.Context, u *govern.User, format string, n int) error {
	return d.record(ctx, u, "community.export", "community:"+format, map[string]any{"services": n})
}
