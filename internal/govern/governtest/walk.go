package governtest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/store"
)

// counting passes requests to the real service and counts those made in the
// name of one operation.
type counting struct {
	next  govern.Authorizer
	op    string
	calls atomic.Int32
}

func (c *counting) Authorize(ctx context.Context, u *govern.User, req govern.Request) (govern.Decision, error) {
	if req.Operation == c.op {
		c.calls.Add(1)
	}
	return c.next.Authorize(ctx, u, req)
}

// readerRole is the role a recipient needs for an operation's output.
func readerRole(k govern.OutputKind) govern.Role {
	switch k {
	case govern.RecordLevel:
		return govern.Caseworker
	case govern.OutputCheck:
		return govern.OutputChecker
	}
	return govern.Analyst
}

// Probe is what a gate test hands a [ProbeFunc]: the fixture's user,
// purpose, dataset and its columns, and the fixture's store.
type Probe struct {
	User    *govern.User
	Purpose string
	Dataset string
	Columns []string
	Store   *store.Store
}

// ProbeFunc runs one read operation once against the fixture: it must read
// p.Dataset's p.Columns for p.Purpose as p.User, asking az first, and
// return az's error on denial. Probes live in the rooms' _test.go files,
// one per operation the room lists.
type ProbeFunc func(ctx context.Context, az govern.Authorizer, p Probe) error

// Walk runs every operation of gate twice against a fresh fixture with its
// probe, as a recipient-partner user holding the role the operation's
// output needs: first with no agreement, when it must ask the service in
// its own name and fail with fault.Forbidden; then under an active
// agreement covering the fixture, when it must ask again and succeed. An
// operation without a probe, or a probe without an operation, is a
// problem. It returns what went wrong, one line per problem.
func Walk(tb testing.TB, gate *govern.Gate, probes map[string]ProbeFunc) []string {
	tb.Helper()
	var problems []string
	ops := gate.Operations()
	for _, op := range ops {
		probe, ok := probes[op.Name]
		if !ok {
			problems = append(problems, op.Name+": no probe: write one beside the room's gate test")
			continue
		}
		problems = append(problems, walkOne(tb, gate, op, probe)...)
	}
	for name := range probes {
		if _, ok := gate.Lookup(name); !ok {
			problems = append(problems, name+": a probe for an operation the gate does not hold")
		}
	}
	return problems
}

func walkOne(tb testing.TB, gate *govern.Gate, op govern.Operation, probe ProbeFunc) []string {
	ctx := context.Background()
	f := NewFixture(tb, gate)
	u := f.AddUser(tb, "reader", RecipientPartner, readerRole(op.Output))
	az := &counting{next: f.Service, op: op.Name}
	p := Probe{User: u, Purpose: Purpose, Dataset: Dataset, Columns: Columns(), Store: f.Store}
	var problems []string
	bad := func(format string, args ...any) {
		problems = append(problems, op.Name+": "+fmt.Sprintf(format, args...))
	}

	err := probe(ctx, az, p)
	switch {
	case az.calls.Load() == 0:
		bad("read %s without asking govern (no Authorize call named %q)", Dataset, op.Name)
	case err == nil:
		bad("succeeded without an agreement: it must stop when Authorize denies")
	case fault.Code(err) != fault.Forbidden:
		bad("without an agreement failed with %q (%v), want a forbidden error", fault.Code(err), err)
	}
	if !recorded(f, op.Name, govern.OutcomeDenied) {
		bad("no denied access event was recorded")
	}

	f.Activate(tb, Agreement())
	before := az.calls.Load()
	if err := probe(ctx, az, p); err != nil {
		bad("failed under an active agreement covering it: %v", err)
	}
	if az.calls.Load() == before {
		bad("did not ask govern under the agreement")
	}
	if !recorded(f, op.Name, govern.OutcomeAllowed) {
		bad("no allowed access event was recorded")
	}
	return problems
}

func recorded(f *Fixture, op, outcome string) bool {
	for _, e := range f.Events() {
		if e.Action == "access" && e.Target == op && e.Outcome == outcome {
			return true
		}
	}
	return false
}

// CheckOperations builds a gate from a room's operations and fails t for
// every problem [Walk] finds with the room's probes, and if the room lists
// no operations at all (an empty list proves nothing).
func CheckOperations(t *testing.T, ops []govern.Operation, probes map[string]ProbeFunc) {
	t.Helper()
	if len(ops) == 0 {
		t.Fatal("no read operations listed")
	}
	for _, p := range Walk(t, govern.NewGate(ops...), probes) {
		t.Error(p)
	}
}
