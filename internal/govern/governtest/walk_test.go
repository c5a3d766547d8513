package governtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/govern"
)

// countRows is a real read: the number of rows in the dataset's latest
// version.
func countRows(ctx context.Context, p Probe) error {
	st := p.Store
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

func request(name string, k govern.OutputKind, p Probe) govern.Request {
	return govern.Request{Operation: name, Purpose: p.Purpose, Output: k, Reads: []govern.Read{{Dataset: p.Dataset, Columns: p.Columns}}}
}

func goodProbe(name string, k govern.OutputKind) ProbeFunc {
	return func(ctx context.Context, az govern.Authorizer, p Probe) error {
		if _, err := az.Authorize(ctx, p.User, request(name, k, p)); err != nil {
			return err
		}
		return countRows(ctx, p)
	}
}

func TestWalkPassesGoverned(t *testing.T) {
	ops := []govern.Operation{{Name: "test.aggregate", Output: govern.Aggregate}, {Name: "test.records", Output: govern.RecordLevel}, {Name: "test.check", Output: govern.OutputCheck}}
	probes := map[string]ProbeFunc{}
	for _, op := range ops {
		probes[op.Name] = goodProbe(op.Name, op.Output)
	}
	CheckOperations(t, ops, probes)
}

func TestWalkCatchesBypass(t *testing.T) {
	g := govern.NewGate(govern.Operation{Name: "test.bypass", Output: govern.Aggregate},
		govern.Operation{Name: "test.ignores-denial", Output: govern.Aggregate},
		govern.Operation{Name: "test.borrowed-name", Output: govern.Aggregate},
		govern.Operation{Name: "test.unprobed", Output: govern.Aggregate})
	probes := map[string]ProbeFunc{
		"test.bypass": func(ctx context.Context, _ govern.Authorizer, p Probe) error {
			return countRows(ctx, p)
		},
		"test.ignores-denial": func(ctx context.Context, az govern.Authorizer, p Probe) error {
			az.Authorize(ctx, p.User, request("test.ignores-denial", govern.Aggregate, p))
			return countRows(ctx, p)
		},
		"test.borrowed-name": func(ctx context.Context, az govern.Authorizer, p Probe) error {
			if _, err := az.Authorize(ctx, p.User, request("test.bypass", govern.Aggregate, p)); err != nil {
				return err
			}
			return countRows(ctx, p)
		},
		"test.unlisted": goodProbe("test.unlisted", govern.Aggregate),
	}
	got := Walk(t, g, probes)
	for _, want := range []string{
		"test.borrowed-name: read fixture-incidents without asking govern",
		"test.bypass: read fixture-incidents without asking govern",
		"test.bypass: no denied access event",
		"test.ignores-denial: succeeded without an agreement",
		"test.unprobed: no probe",
		"test.unlisted: a probe for an operation the gate does not hold",
	} {
		if !slices.ContainsFunc(got, func(p string) bool { return strings.HasPrefix(p, want) }) {
			t.Errorf("Walk did not report %q; got:\n%s", want, strings.Join(got, "\n"))
		}
	}
}

func TestUnregisteredOperationIsDenied(t *testing.T) {
	g := govern.NewGate(govern.Operation{Name: "test.aggregate", Output: govern.Aggregate})
	f := NewFixture(t, g)
	f.Activate(t, Agreement())
	u := f.AddUser(t, "reader", RecipientPartner, govern.Analyst)
	p := Probe{User: u, Purpose: Purpose, Dataset: Dataset, Columns: Columns()}
	d, err := f.Service.Authorize(context.Background(), u, request("test.unregistered", govern.Aggregate, p))
	if err == nil || d.Allow || !strings.Contains(err.Error(), "not registered") {
		t.Errorf("got %s, %v; want denied as unregistered", d, err)
	}
	if _, err := f.Service.Authorize(context.Background(), u, request("test.aggregate", govern.Aggregate, p)); err != nil {
		t.Errorf("registered operation: %v", err)
	}
}
