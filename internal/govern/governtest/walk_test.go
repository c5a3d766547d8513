package governtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/store"
)

// countRows is a real read: the number of rows in the dataset's latest
// version.
func countRows(ctx context.Context, p govern.Probe) error {
	st := p.Store.(*store.Store)
	v, err := st.Version(ctx, p.Dataset, 0)
	if err != nil {
		return err
	}
	var n int
	if err := st.DB().QueryRowContext(ctx, `SELECT count(*) FROM `+v.Table).Scan(&n); err != nil {
		return err
	}
	if n != 24 {
		return fmt.Errorf("read %d rows, want 24", n)
	}
	return nil
}

func request(name string, k govern.OutputKind, p govern.Probe) govern.Request {
	return govern.Request{Operation: name, Purpose: p.Purpose, Output: k, Reads: []govern.Read{{Dataset: p.Dataset, Columns: p.Columns}}}
}

func goodOp(name string, k govern.OutputKind) govern.Operation {
	return govern.Operation{Name: name, Output: k, Probe: func(ctx context.Context, az govern.Authorizer, p govern.Probe) error {
		if _, err := az.Authorize(ctx, p.User, request(name, k, p)); err != nil {
			return err
		}
		return countRows(ctx, p)
	}}
}

func TestWalkPassesGoverned(t *testing.T) {
	g := &govern.Gate{}
	g.Register(goodOp("test.aggregate", govern.Aggregate))
	g.Register(goodOp("test.records", govern.RecordLevel))
	g.Register(goodOp("test.check", govern.OutputCheck))
	CheckGate(t, g)
}

func TestWalkCatchesBypass(t *testing.T) {
	g := &govern.Gate{}
	g.Register(govern.Operation{Name: "test.bypass", Output: govern.Aggregate, Probe: func(ctx context.Context, _ govern.Authorizer, p govern.Probe) error {
		return countRows(ctx, p)
	}})
	g.Register(govern.Operation{Name: "test.ignores-denial", Output: govern.Aggregate, Probe: func(ctx context.Context, az govern.Authorizer, p govern.Probe) error {
		az.Authorize(ctx, p.User, request("test.ignores-denial", govern.Aggregate, p))
		return countRows(ctx, p)
	}})
	g.Register(govern.Operation{Name: "test.borrowed-name", Output: govern.Aggregate, Probe: func(ctx context.Context, az govern.Authorizer, p govern.Probe) error {
		if _, err := az.Authorize(ctx, p.User, request("test.bypass", govern.Aggregate, p)); err != nil {
			return err
		}
		return countRows(ctx, p)
	}})
	got := Walk(t, g)
	for _, want := range []string{
		"test.borrowed-name: read fixture-incidents without asking govern",
		"test.bypass: read fixture-incidents without asking govern",
		"test.bypass: no denied access event",
		"test.ignores-denial: succeeded without an agreement",
	} {
		if !slices.ContainsFunc(got, func(p string) bool { return strings.HasPrefix(p, want) }) {
			t.Errorf("Walk did not report %q; got:\n%s", want, strings.Join(got, "\n"))
		}
	}
}

func TestUnregisteredOperationIsDenied(t *testing.T) {
	g := &govern.Gate{}
	g.Register(goodOp("test.aggregate", govern.Aggregate))
	f := NewFixture(t, g)
	f.Activate(t, Agreement())
	u := f.AddUser(t, "reader", RecipientPartner, govern.Analyst)
	p := govern.Probe{User: u, Purpose: Purpose, Dataset: Dataset, Columns: Columns()}
	d, err := f.Service.Authorize(context.Background(), u, request("test.unregistered", govern.Aggregate, p))
	if err == nil || d.Allow || !strings.Contains(err.Error(), "not registered") {
		t.Errorf("got %s, %v; want denied as unregistered", d, err)
	}
	if _, err := f.Service.Authorize(context.Background(), u, request("test.aggregate", govern.Aggregate, p)); err != nil {
		t.Errorf("registered operation: %v", err)
	}
}
