package govern_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/govern"
	gt "github.com/civiclink/civiclink/internal/govern/governtest"
)

// BenchmarkAuthorize times loading the decision state, taking it from the
// service's cache, and a full decision through the service (state, decide,
// append to the signed audit log) against the pure decision over the same
// state (x-ref = x / Decide), with 21 agreements in the store.
func BenchmarkAuthorize(b *testing.B) {
	ctx := context.Background()
	g := &govern.Gate{}
	g.Register(govern.Operation{Name: "bench.read", Output: govern.Aggregate})
	f := gt.NewFixture(b, g)
	for i := range 20 {
		a := gt.Agreement()
		a.ID = fmt.Sprintf("other-%02d", i)
		a.Purpose = "road-safety"
		a.Outputs = []govern.OutputKind{govern.Aggregate}
		if err := f.Service.CreateAgreement(ctx, f.Admins[gt.RecipientPartner], a); err != nil {
			b.Fatal(err)
		}
	}
	f.Activate(b, gt.Agreement())
	u := f.AddUser(b, "ana", gt.RecipientPartner, govern.Analyst)
	req := govern.Request{Operation: "bench.read", Purpose: gt.Purpose, Output: govern.Aggregate,
		Reads: []govern.Read{{Dataset: gt.Dataset, Columns: gt.Columns()}}}
	st, err := f.Service.State(ctx)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for range 1000 {
		govern.Decide(st, u, req)
	}
	ref := time.Since(start) / 1000
	b.Run("load-state", func(b *testing.B) {
		// The one query a decision runs after a change of state.
		b.ReportAllocs()
		for b.Loop() {
			if _, _, _, err := f.Store.DecisionState(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed()/time.Duration(b.N))/float64(ref), "x-ref")
	})
	b.Run("cached-state", func(b *testing.B) {
		// Every other decision: the state kept since the last change.
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.Service.State(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed()/time.Duration(b.N))/float64(ref), "x-ref")
	})
	b.Run("authorize", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.Service.Authorize(ctx, u, req); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed()/time.Duration(b.N))/float64(ref), "x-ref")
	})
}
