package linkrun

import "github.com/civiclink/civiclink/internal/govern"

// Operations lists linkage's read operations, for the gate the wiring
// builds; the gate test (operations_test.go) walks each with a probe.
func Operations() []govern.Operation {
	return []govern.Operation{
		{Name: OpRun, Description: "link datasets on their pseudonymous identifiers into entities", Output: govern.Aggregate},
		{Name: OpReview, Description: "list and decide a linkage run's borderline pairs (agreement levels and weights, never values)", Output: govern.Aggregate},
	}
}
