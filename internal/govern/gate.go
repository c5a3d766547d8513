package govern

import (
	"context"
	"fmt"
	"sort"
	"sync"
)

// Authorizer answers access requests; [Service] is the real one. A read
// operation calls Authorize before it touches partner data and stops on
// error: a denial is a fault.Forbidden error carrying the reasons.
type Authorizer interface {
	Authorize(ctx context.Context, u *User, req Request) (Decision, error)
}

// Operation is a read path registered with a [Gate]: every way partner data
// leaves the store (a CLI query, an API endpoint, a linkage run, an insight
// aggregate) is one operation, by name. Each room lists its operations
// (insight.Operations, ...); the wiring builds the gate from the lists, and
// each room's gate test walks its list with a probe per operation (package
// governtest), so a read path cannot be added without joining the test.
type Operation struct {
	// Name is unique, "room.verb", e.g. "insight.aggregate".
	Name        string
	Description string
	// Output is the kind of output the operation produces.
	Output OutputKind
}

// Gate is the registry of read operations. A [Service] with a gate refuses
// requests from operations not registered with it.
type Gate struct {
	mu  sync.RWMutex
	ops map[string]Operation
}

// NewGate returns a gate holding ops (see [Gate.Register]).
func NewGate(ops ...Operation) *Gate {
	g := &Gate{}
	for _, op := range ops {
		g.Register(op)
	}
	return g
}

// Register adds op. It panics, like http.Handle, on an empty or repeated
// name or an unknown output kind: these are programming errors found at
// start-up.
func (g *Gate) Register(op Operation) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if op.Name == "" {
		panic("govern: an operation needs a name")
	}
	if _, dup := g.ops[op.Name]; dup {
		panic(fmt.Sprintf("govern: operation %q registered twice", op.Name))
	}
	if op.Output == AuditLog || !validOutput(op.Output) {
		panic(fmt.Sprintf("govern: operation %q has output kind %q: use aggregate, record-level or output-check", op.Name, op.Output))
	}
	if g.ops == nil {
		g.ops = map[string]Operation{}
	}
	g.ops[op.Name] = op
}

// Lookup returns the operation registered under name.
func (g *Gate) Lookup(name string) (Operation, bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	op, ok := g.ops[name]
	return op, ok
}

// Operations returns every registered operation, by name.
func (g *Gate) Operations() []Operation {
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := make([]Operation, 0, len(g.ops))
	for _, op := range g.ops {
		out = append(out, op)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func validOutput(k OutputKind) bool {
	for _, o := range OutputKinds {
		if o == k {
			return true
		}
	}
	return false
}
