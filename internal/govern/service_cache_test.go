package govern_test

import (
	"context"
	"sync"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	gt "github.com/civiclink/civiclink/internal/govern/governtest"
)

// cacheUser is the recipient partner's analyst the cache tests decide for.
const cacheUser = "ana"

// readOwners is an aggregate read of the owner partner's dataset, which
// the fixture agreement covers for the recipient.
func readOwners() govern.Request {
	return govern.Request{Operation: "test.read", Purpose: gt.Purpose, Output: govern.Aggregate,
		Reads: []govern.Read{{Dataset: gt.Dataset, Columns: []string{"category"}}}}
}

// decideAsWeb decides req as a web request does: the user fresh from
// Actor, then Authorize. It returns "allowed", the first denial reason's
// code, or the error code of a refused actor.
func decideAsWeb(ctx context.Context, svc *govern.Service, id string, req govern.Request) string {
	u, err := svc.Actor(ctx, id)
	if err != nil {
		return string(fault.Code(err))
	}
	d, err := svc.Authorize(ctx, u, req)
	if d.Allow && err == nil {
		return "allowed"
	}
	if len(d.Reasons) == 0 {
		return "error: " + err.Error()
	}
	return d.Reasons[0].Code
}

// cacheFixture is a fixture with an active agreement and the analyst, its
// decision state already cached by one decision.
func cacheFixture(t *testing.T) *gt.Fixture {
	t.Helper()
	gate := &govern.Gate{}
	gate.Register(govern.Operation{Name: "test.read", Output: govern.Aggregate})
	f := gt.NewFixture(t, gate)
	f.AddUser(t, cacheUser, gt.RecipientPartner, govern.Analyst)
	f.Activate(t, gt.Agreement())
	if got := decideAsWeb(context.Background(), f.Service, cacheUser, readOwners()); got != "allowed" {
		t.Fatalf("before any change: %s, want allowed", got)
	}
	return f
}

// TestCachedStateSeesChanges makes one change (through the service, in
// the store directly as another writer would, or only by the clock) and
// checks that the very next decision sees it.
func TestCachedStateSeesChanges(t *testing.T) {
	ctx := context.Background()
	decide := func(f *gt.Fixture) string { return decideAsWeb(ctx, f.Service, cacheUser, readOwners()) }
	tests := []struct {
		name          string
		check         func(f *gt.Fixture) string
		before, after string
		change        func(f *gt.Fixture) error
	}{
		{"agreement suspended through the service", decide, "allowed", govern.ReasonStatus, func(f *gt.Fixture) error {
			_, err := f.Service.ChangeAgreement(ctx, f.Admins[gt.RecipientPartner], gt.AgreementID, govern.ActionSuspend, "paused")
			return err
		}},
		{"agreement suspended in the store directly", decide, "allowed", govern.ReasonStatus, func(f *gt.Fixture) error {
			a, err := f.Store.Agreement(ctx, gt.AgreementID)
			if err != nil {
				return err
			}
			if err := a.Suspend(f.Admins[gt.RecipientPartner], f.Clock.Now(), "paused"); err != nil {
				return err
			}
			return f.Store.SaveAgreement(ctx, a)
		}},
		{"agreement past its end date (no change, only the clock)", decide, "allowed", govern.ReasonStatus, func(f *gt.Fixture) error {
			f.Clock.Set(gt.Start.AddDate(2, 0, 0))
			return nil
		}},
		{"roles changed through the service", decide, "allowed", govern.ReasonRole, func(f *gt.Fixture) error {
			return f.Service.SetRoles(ctx, f.Admins[gt.RecipientPartner], cacheUser, []govern.Role{govern.Caseworker})
		}},
		{"user disabled through the service", decide, "allowed", string(fault.Unauthorized), func(f *gt.Fixture) error {
			return f.Service.SetDisabled(ctx, f.Admins[gt.RecipientPartner], cacheUser, true)
		}},
		{"user disabled in the store directly", decide, "allowed", string(fault.Unauthorized), func(f *gt.Fixture) error {
			u, err := f.Store.User(ctx, cacheUser)
			if err != nil {
				return err
			}
			u.Disabled = true
			return f.Store.UpdateUser(ctx, u)
		}},
		{"dataset added to the catalogue", func(f *gt.Fixture) string {
			req := govern.Request{Operation: "test.read", Purpose: gt.Purpose, Output: govern.Aggregate,
				Reads: []govern.Read{{Dataset: "new-cases", Columns: []string{"category"}}}}
			return decideAsWeb(ctx, f.Service, cacheUser, req)
		}, govern.ReasonDataset, "allowed", func(f *gt.Fixture) error {
			return f.Store.CreateDataset(ctx, &catalog.Dataset{ID: "new-cases", PartnerID: gt.RecipientPartner, Schema: gt.Schema()})
		}},
		{"purpose added to the register", func(f *gt.Fixture) string {
			reg, err := f.Service.Register(ctx)
			if err != nil {
				return err.Error()
			}
			if _, ok := reg["youth-diversion"]; ok {
				return "registered"
			}
			return "absent"
		}, "absent", "registered", func(f *gt.Fixture) error {
			return f.Service.AddPurpose(ctx, f.Admins[gt.OwnerPartner], &govern.Purpose{ID: "youth-diversion", Name: "Youth diversion", Description: "Diverting young people from offending."})
		}},
		{"record opted out", func(f *gt.Fixture) string {
			ex, err := f.Service.Excluded(ctx, gt.Dataset, gt.Purpose)
			if err != nil {
				return err.Error()
			}
			if ex[gt.Dataset+"-003"] {
				return "excluded"
			}
			return "included"
		}, "included", "excluded", func(f *gt.Fixture) error {
			_, err := f.Service.AddOptOuts(ctx, f.Admins[gt.OwnerPartner], &govern.OptOuts{Dataset: gt.Dataset, Purposes: []string{govern.AllPurposes}, Records: []string{gt.Dataset + "-003"}})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := cacheFixture(t)
			if got := tt.check(f); got != tt.before {
				t.Fatalf("before: got %s, want %s", got, tt.before)
			}
			if got := tt.check(f); got != tt.before { // served from the cache
				t.Fatalf("before, again: got %s, want %s", got, tt.before)
			}
			if err := tt.change(f); err != nil {
				t.Fatal(err)
			}
			if got := tt.check(f); got != tt.after {
				t.Errorf("after: got %s, want %s", got, tt.after)
			}
		})
	}
}

// TestCachedStateConcurrentDecisions decides from many goroutines while
// the agreement is suspended and reactivated (run it with -race): every
// decision is one of the two answers, and the one after the last change
// sees it.
func TestCachedStateConcurrentDecisions(t *testing.T) {
	ctx := context.Background()
	f := cacheFixture(t)
	admin := f.Admins[gt.RecipientPartner]
	const workers, each = 8, 25
	var wg sync.WaitGroup
	got := make(chan string, workers*each)
	for range workers {
		wg.Go(func() {
			for range each {
				got <- decideAsWeb(ctx, f.Service, cacheUser, readOwners())
			}
		})
	}
	for i := range 6 {
		action := []string{govern.ActionSuspend, govern.ActionActivate}[i%2]
		if _, err := f.Service.ChangeAgreement(ctx, admin, gt.AgreementID, action, "toggle"); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(got)
	for g := range got {
		if g != "allowed" && g != govern.ReasonStatus {
			t.Errorf("concurrent decision: %s, want allowed or %s", g, govern.ReasonStatus)
		}
	}
	if _, err := f.Service.ChangeAgreement(ctx, admin, gt.AgreementID, govern.ActionSuspend, "stop"); err != nil {
		t.Fatal(err)
	}
	if g := decideAsWeb(ctx, f.Service, cacheUser, readOwners()); g != govern.ReasonStatus {
		t.Errorf("after the last suspension: %s, want %s", g, govern.ReasonStatus)
	}
}

// TestCachedTokenRevoked: a token read once is kept, and revoking it (in
// the store, as the CLI does) refuses its very next use.
func TestCachedTokenRevoked(t *testing.T) {
	ctx := context.Background()
	f := cacheFixture(t)
	u, err := f.Service.Actor(ctx, cacheUser)
	if err != nil {
		t.Fatal(err)
	}
	tok, text, err := f.Service.IssueToken(ctx, u, "script", 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if got, err := f.Service.TokenUser(ctx, text); err != nil || got.ID != cacheUser {
			t.Fatalf("TokenUser: %v, %v; want %s", got, err, cacheUser)
		}
	}
	if err := f.Store.RevokeToken(ctx, tok.ID, "admin", f.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Service.TokenUser(ctx, text); fault.Code(err) != fault.Unauthorized {
		t.Errorf("a revoked token: %v, want unauthorized", err)
	}
}
