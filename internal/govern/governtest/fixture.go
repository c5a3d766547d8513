// Package governtest proves that read paths go through governance: it builds
// a small two-partner store with a real [govern.Service] and walks every
// operation registered with a [govern.Gate], checking each is denied without
// an agreement and allowed with one.
package governtest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/store"
)

// The fixture's partners, datasets and purpose.
const (
	OwnerPartner     = "owner-org"
	RecipientPartner = "recipient-org"
	Dataset          = "fixture-incidents" // owned by OwnerPartner
	RecipientDataset = "fixture-cases"     // owned by RecipientPartner
	Purpose          = "domestic-abuse"
	AgreementID      = "fixture-agreement"
)

// Start is the fixture clock's starting time.
var Start = time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)

// Fixture is an in-memory store with two partners, a dataset each (with a
// few synthetic rows), an admin and data owner at each partner, and a
// governance service that records its events in the store's audit log.
type Fixture struct {
	Store   *store.Store
	Service *govern.Service
	Clock   *clock.Manual
	Audit   *store.Audit
	Admins  map[string]*govern.User // partner admin and data owner, by partner
}

// cheap argon2 costs keep fixtures fast; production uses DefaultArgon2.
var cheap = govern.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// NewFixture builds a fixture; its service's gate is gate.
func NewFixture(tb testing.TB, gate *govern.Gate) *Fixture {
	tb.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	f := &Fixture{Store: st, Clock: clock.NewManual(Start), Admins: map[string]*govern.User{}}
	st.Clock = f.Clock
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	if f.Audit, err = st.AuditLog(ctx, key); err != nil {
		tb.Fatal(err)
	}
	f.Service = &govern.Service{Store: st, Clock: f.Clock, Gate: gate, Argon2: cheap, Audit: govern.AuditRecorder{Log: f.Audit}}
	for _, p := range []string{OwnerPartner, RecipientPartner} {
		if err := st.CreatePartner(ctx, &catalog.Partner{ID: p, Name: p}); err != nil {
			tb.Fatal(err)
		}
	}
	f.loadDataset(tb, Dataset, OwnerPartner)
	f.loadDataset(tb, RecipientDataset, RecipientPartner)
	first := &govern.User{ID: OwnerPartner + ".admin", PartnerID: OwnerPartner, Name: "Owner admin", Roles: []govern.Role{govern.PartnerAdmin, govern.DataOwner}}
	if err := f.Service.Bootstrap(ctx, first, ""); err != nil {
		tb.Fatal(err)
	}
	f.Admins[OwnerPartner] = first
	second := &govern.User{ID: RecipientPartner + ".admin", PartnerID: RecipientPartner, Name: "Recipient admin", Roles: []govern.Role{govern.PartnerAdmin, govern.DataOwner}}
	f.Admins[RecipientPartner] = second
	if err := st.CreateUser(ctx, second); err != nil {
		tb.Fatal(err)
	}
	return f
}

// Schema is the fixture datasets' schema.
func Schema() *catalog.Schema {
	return &catalog.Schema{Columns: []catalog.Column{
		{Name: "record_id", Type: catalog.TypeString, Role: catalog.RoleRecordID, Required: true},
		{Name: "event_date", Type: catalog.TypeDate, Role: catalog.RoleEventDate},
		{Name: "lsoa", Type: catalog.TypeLSOA, Role: catalog.RoleGeography},
		{Name: "category", Type: catalog.TypeCategory, Codes: []catalog.Code{{Value: "a"}, {Value: "b"}}},
		{Name: "tok_nhs", Type: catalog.TypeToken, Role: catalog.RoleIdentifier},
	}}
}

// Columns are the fixture datasets' column names.
func Columns() []string {
	var out []string
	for _, c := range Schema().Columns {
		out = append(out, c.Name)
	}
	return out
}

// loadDataset creates a dataset and loads one version of 24 synthetic rows.
func (f *Fixture) loadDataset(tb testing.TB, id, partner string) {
	tb.Helper()
	ctx := context.Background()
	d := &catalog.Dataset{ID: id, PartnerID: partner, Schema: Schema()}
	if err := f.Store.CreateDataset(ctx, d); err != nil {
		tb.Fatal(err)
	}
	w, err := f.Store.BeginLoad(ctx, d)
	if err != nil {
		tb.Fatal(err)
	}
	defer w.Abort()
	for i := range 24 {
		day := Start.AddDate(0, -1, i)
		if err := w.Append(fmt.Sprintf("%s-%03d", id, i), day, fmt.Sprintf("E0102%04d", 1200+i%4), []string{"a", "b"}[i%2], fmt.Sprintf("tok%04d", i%17)); err != nil {
			tb.Fatal(err)
		}
	}
	v := &catalog.Version{Rows: 24, SHA256: id, Source: id + ".csv", Format: "csv", LoadedBy: "governtest", Quality: &catalog.Quality{}}
	if err := w.Commit(ctx, v); err != nil {
		tb.Fatal(err)
	}
}

// AddUser adds a user at partner with roles, made by that partner's admin.
func (f *Fixture) AddUser(tb testing.TB, id, partner string, roles ...govern.Role) *govern.User {
	tb.Helper()
	u := &govern.User{ID: id, PartnerID: partner, Name: id, Roles: roles}
	if err := f.Service.CreateUser(context.Background(), f.Admins[partner], u, ""); err != nil {
		tb.Fatal(err)
	}
	return u
}

// Agreement returns the fixture agreement (not yet stored): both partners
// own their dataset, the recipient receives, every column of both datasets
// is shared, and aggregate and record-level outputs are permitted.
func Agreement() *govern.Agreement {
	all := Columns()
	return &govern.Agreement{
		ID: AgreementID, Title: "Fixture agreement", Purpose: Purpose,
		Parties: []govern.Party{
			{Partner: OwnerPartner, Owner: true, LawfulBasis: []string{"uk-gdpr-6-1-e"}},
			{Partner: RecipientPartner, Owner: true, Recipient: true, LawfulBasis: []string{"uk-gdpr-6-1-e"}},
		},
		Datasets:  []govern.Share{{Dataset: Dataset, Columns: all}, {Dataset: RecipientDataset, Columns: all}},
		Outputs:   []govern.OutputKind{govern.Aggregate, govern.RecordLevel},
		Threshold: govern.DefaultThreshold, RetentionDays: 90,
		Start: govern.DateOf(Start), End: govern.DateOf(Start.AddDate(1, 0, 0)), Review: govern.DateOf(Start.AddDate(0, 6, 0)),
	}
}

// Activate creates a through the service and takes it through approval by
// each owning partner to active.
func (f *Fixture) Activate(tb testing.TB, a *govern.Agreement) {
	tb.Helper()
	ctx := context.Background()
	svc := f.Service
	if err := svc.CreateAgreement(ctx, f.Admins[RecipientPartner], a); err != nil {
		tb.Fatal(err)
	}
	for _, p := range []string{OwnerPartner, RecipientPartner} {
		if _, err := svc.ChangeAgreement(ctx, f.Admins[p], a.ID, govern.ActionApprove, ""); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := svc.ChangeAgreement(ctx, f.Admins[RecipientPartner], a.ID, govern.ActionActivate, ""); err != nil {
		tb.Fatal(err)
	}
}

// Events returns the events in the audit log so far, oldest first (Details
// as raw JSON).
func (f *Fixture) Events() []govern.Event {
	entries, err := f.Audit.Entries(context.Background(), audit.Filter{})
	if err != nil {
		panic(err)
	}
	out := make([]govern.Event, len(entries))
	for i, en := range entries {
		e := en.Event
		out[i] = govern.Event{At: e.Time, User: e.User, Partner: e.Partner, Action: e.Action, Purpose: e.Purpose,
			Target: e.Target, Agreement: e.Agreement, Outcome: e.Outcome, Reason: e.Reason, Details: e.Details}
		for _, d := range e.Datasets {
			out[i].Datasets = append(out[i].Datasets, govern.DatasetRef{ID: d.ID, Owner: d.Owner})
		}
	}
	return out
}
