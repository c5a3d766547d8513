package insight

import (
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
)

func TestNamedCohortsParse(t *testing.T) {
	named, err := NamedCohorts()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"da-victim-then-ae-90d", "excluded-and-offending-12m", "s136-then-homeless-1y", "known-to-three-agencies"} {
		if _, ok := named[want]; !ok {
			t.Errorf("shipped cohort %s is missing", want)
		}
	}
	if _, err := FindCohort("no-such-cohort"); fault.Code(err) != fault.NotFound {
		t.Errorf("unknown cohort: %v, want not found", err)
	}
}
