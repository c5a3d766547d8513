package insight

import "github.com/civiclink/civiclink/internal/govern"

// Operations lists insight's read operations, for the gate the wiring
// builds; the gate test (operations_test.go) walks each with a probe: each
// must be refused without an agreement and allowed under one.
func Operations() []govern.Operation {
	return []govern.Operation{
		{Name: OpAggregate, Description: "ad-hoc aggregate over one dataset, disclosure-controlled", Output: govern.Aggregate},
		{Name: OpCohort, Description: "people in a cohort across linked datasets, counted by district and period, disclosure-controlled", Output: govern.Aggregate},
		{Name: OpSafeguarding, Description: "a cohort's members returned to the caller's own partner as its own record ids, for safeguarding", Output: govern.RecordLevel},
	}
}
