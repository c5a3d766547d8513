package govern

import (
	"context"
	"maps"
	"strings"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/fault"
)

// Service is governance over a store: it loads state, makes decisions with
// [Decide], applies changes, and records every one in the audit log.
type Service struct {
	Store Store
	Clock clock.Clock
	Audit Recorder
	// Gate, when set, is the registry a request's operation must be in.
	Gate *Gate
	// Argon2 are the password-hashing costs; zero means [DefaultArgon2].
	Argon2 Argon2Params
	// Hashes bounds how many password checks run at once; nil means one
	// sized to the machine's memory ([HashSlots]) waiting [HashWait].
	Hashes *HashLimit
	// Pending and Log, when set, let [Service.RecoverAudit] finish the
	// audit entries of purges a crash cut off; Purge clears each purge's
	// note in Pending once its entry is recorded.
	Pending PendingPurges
	Log     EntryFinder
	// MFAKey seals TOTP secrets at rest (AES-256-GCM, [MFAKeySize]
	// bytes); nil stores them in the clear (mfa_seal.go).
	MFAKey []byte

	// cache keeps the decision state between changes when Store is
	// [Versioned] (service_cache.go).
	cache stateCache
	// pw is the hash limit in use and the dummy hash (hashlimit.go).
	pw passwordCheck
}

// NewService returns a service over st recording to audit, with the system
// clock and no gate (the wiring sets Gate to the gate built from every
// room's operations).
func NewService(st Store, audit Recorder) *Service {
	return &Service{Store: st, Clock: clock.System{}, Audit: audit}
}

var _ Authorizer = (*Service)(nil)

// State returns everything a decision depends on (agreements come without
// their history), with the clock's time now. Over a [Versioned] store it
// is kept between changes, so it is shared: read it, never modify it.
func (s *Service) State(ctx context.Context) (State, error) {
	snap, ok, err := s.snapshot(ctx)
	if err != nil {
		return State{}, err
	}
	if ok {
		return State{Now: s.Clock.Now(), Purposes: snap.purposes, Owners: snap.owners, Agreements: snap.agreements}, nil
	}
	owners, as, extra, err := s.Store.DecisionState(ctx)
	if err != nil {
		return State{}, err
	}
	return State{Now: s.Clock.Now(), Purposes: NewRegister(extra...), Owners: owners, Agreements: as}, nil
}

func (s *Service) register(ctx context.Context) (Purposes, error) {
	if snap, ok, err := s.snapshot(ctx); ok || err != nil {
		if err != nil {
			return nil, err
		}
		return maps.Clone(snap.purposes), nil
	}
	extra, err := s.Store.Purposes(ctx)
	if err != nil {
		return nil, err
	}
	return NewRegister(extra...), nil
}

func (s *Service) datasets(ctx context.Context) (map[string]*catalog.Dataset, error) {
	ds, err := s.Store.Datasets(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]*catalog.Dataset, len(ds))
	for _, d := range ds {
		m[d.ID] = d
	}
	return m, nil
}

// accessDetail is what the audit log keeps of an access decision.
type accessDetail struct {
	Request  Request  `json:"request"`
	Decision Decision `json:"decision"`
}

// Authorize decides req for u, records the decision (allowed or denied) in
// the audit log, and returns a fault.Forbidden error carrying the reasons
// when it is denied. If the decision cannot be recorded, access is denied.
func (s *Service) Authorize(ctx context.Context, u *User, req Request) (Decision, error) {
	st, err := s.State(ctx)
	if err != nil {
		return Decision{}, err
	}
	d := s.decide(st, u, req)
	e := event(u, "access", req.Operation, accessDetail{req, d})
	e.At, e.Purpose, e.Agreement, e.Reason = st.Now, req.Purpose, d.Agreement, d.String()
	for _, r := range req.Reads {
		e.Datasets = append(e.Datasets, DatasetRef{ID: r.Dataset, Owner: st.Owners[r.Dataset]})
	}
	if !d.Allow {
		e.Outcome = OutcomeDenied
	}
	if err := s.record(ctx, e); err != nil {
		return Decision{Reasons: d.Reasons}, err
	}
	if !d.Allow {
		return d, fault.Errorf(fault.Forbidden, "%s", DenialMessage(req, d))
	}
	return d, nil
}

func (s *Service) decide(st State, u *User, req Request) Decision {
	if s.Gate != nil {
		if _, ok := s.Gate.Lookup(req.Operation); !ok {
			return deny(Reason{Code: ReasonBadRequest, Clause: "gate",
				Message: "read operation " + quote(req.Operation) + " is not registered with the governance gate (a programming error: list it in its room's Operations)"})
		}
	}
	return Decide(st, u, req)
}

// DenialMessage is the user-facing text of a denied decision.
func DenialMessage(req Request, d Decision) string {
	msgs := make([]string, len(d.Reasons))
	for i, r := range d.Reasons {
		msgs[i] = r.Message
	}
	return "access denied (" + req.Operation + "): " + strings.Join(msgs, "; ")
}

// record appends e to the audit log, failing closed.
func (s *Service) record(ctx context.Context, e Event) error {
	if s.Audit == nil {
		return fault.Errorf(fault.Internal, "governance has no audit log to record %s in; refusing to act", e.Action)
	}
	if e.At.IsZero() {
		e.At = s.Clock.Now()
	}
	if err := s.Audit.Record(ctx, e); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot record %s in the audit log; refusing to act", e.Action)
	}
	return nil
}

// event is an allowed event by u; the user is "anonymous" when u is nil.
func event(u *User, action, target string, details any) Event {
	e := Event{User: "anonymous", Action: action, Target: target, Outcome: OutcomeAllowed, Details: details}
	if u != nil {
		e.User, e.Partner = u.ID, u.PartnerID
	}
	return e
}

// denied is a denied event by user id, with the reason.
func denied(user, action, target, reason string) Event {
	return Event{User: user, Action: action, Target: target, Outcome: OutcomeDenied, Reason: reason}
}

// refuse records a Forbidden err as a denied event by actor, naming the
// datasets the action would have touched, then returns err.
func (s *Service) refuse(ctx context.Context, actor *User, action, target string, err error, datasets ...string) error {
	if fault.Code(err) != fault.Forbidden {
		return err
	}
	e := denied("anonymous", action, target, fault.Message(err))
	if actor != nil {
		e.User, e.Partner = actor.ID, actor.PartnerID
	}
	if rerr := s.record(ctx, s.touching(ctx, e, datasets...)); rerr != nil {
		return rerr
	}
	return err
}

// touching returns e naming the datasets it touches and their owners, so
// that each owner finds it among the uses of its data.
func (s *Service) touching(ctx context.Context, e Event, datasets ...string) Event {
	if len(datasets) == 0 {
		return e
	}
	ds, _ := s.datasets(ctx)
	for _, id := range datasets {
		ref := DatasetRef{ID: id, Owner: "unknown"}
		if d, ok := ds[id]; ok {
			ref.Owner = d.PartnerID
		}
		e.Datasets = append(e.Datasets, ref)
	}
	return e
}

// Refusal stages: what refused a request governance had allowed.
const (
	StageBudget     = "budget"     // the dataset's privacy budget
	StageDisclosure = "disclosure" // disclosure control (threshold, differencing)
)

// Refused records that req, which governance allowed, was refused at a
// later stage (the privacy budget, disclosure control) for cause: one
// denied access entry with the stage and cause as its reason and the same
// datasets, so a refusal is never on the record only as allowed. It
// returns cause, or the failure to record it.
func (s *Service) Refused(ctx context.Context, u *User, req Request, stage string, cause error) error {
	e := event(u, "access", req.Operation, map[string]any{"request": req, "stage": stage})
	e.Outcome, e.Purpose, e.Reason = OutcomeDenied, req.Purpose, stage+": "+fault.Message(cause)
	for _, r := range req.Reads {
		e = s.touching(ctx, e, r.Dataset)
	}
	if err := s.record(ctx, e); err != nil {
		return err
	}
	return cause
}

// Refuser is an [Authorizer] that also records a refusal made after an
// allowed decision; [Service] is one.
type Refuser interface {
	Refused(ctx context.Context, u *User, req Request, stage string, cause error) error
}

func (s *Service) hash(password string) (string, error) {
	return HashPasswordWith(password, s.argon())
}

// argon returns the password-hashing costs in use.
func (s *Service) argon() Argon2Params {
	if s.Argon2.Memory == 0 {
		return DefaultArgon2
	}
	return s.Argon2
}

func quote(s string) string { return "\"" + s + "\"" }
