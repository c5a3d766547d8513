package governtest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
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

// Walk runs every operation of gate twice against a fresh fixture, as a
// recipient-partner user holding the role the operation's output needs:
// first with no agreement, when it must ask the service in its own name and
// fail with fault.Forbidden; then under an active agreement covering the
// fixture, when it must ask again and succeed. It returns what went wrong,
// one line per problem.
func Walk(tb testing.TB, gate *govern.Gate) []string {
	tb.Helper()
	var problems []string
	for _, op := range gate.Operations() {
		problems = append(problems, walkOne(tb, gate, op)...)
	}
	return problems
}

func walkOne(tb testing.TB, gate *govern.Gate, op govern.Operation) []string {
	ctx := context.Background()
	f := NewFixture(tb, gate)
	u := f.AddUser(tb, "reader", RecipientPartner, readerRole(op.Output))
	az := &counting{next: f.Service, op: op.Name}
	p := govern.Probe{User: u, Purpose: Purpose, Dataset: Dataset, Columns: Columns(), Store: f.Store}
	var problems []string
	bad := func(format string, args ...any) {
		problems = append(problems, op.Name+": "+fmt.Sprintf(format, args...))
	}

	err := op.Probe(ctx, az, p)
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
	if err := op.Probe(ctx, az, p); err != nil {
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

// CheckGate fails t for every problem [Walk] finds, and if gate has no
// operations at all (a registry nobody joined proves nothing).
func CheckGate(t *testing.T, gate *govern.Gate) {
	t.Helper()
	if len(gate.Operations()) == 0 {
		t.Fatal("the gate has no registered read operations")
	}
	for _, p := range Walk(t, gate) {
		t.Error(p)
	}
}
