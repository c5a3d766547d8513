package audit

import (
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

func TestFilterMatch(t *testing.T) {
	e := sample() // 09:30:01 BST on 23 November: 08:30:01 UTC
	signin := Event{Time: e.Time, User: "analyst1", Partner: "council", Action: "login", Outcome: Allowed}
	at := time.Date(2026, 11, 23, 8, 30, 1, 0, time.UTC)
	cases := []struct {
		name string
		f    Filter
		e    Event
		want bool
	}{
		{"zero filter", Filter{}, e, true},
		{"zero filter, no data", Filter{}, signin, true},
		{"with data", Filter{WithData: true}, e, true},
		{"with data, none named", Filter{WithData: true}, signin, false},
		{"owner", Filter{Owner: "nhs"}, e, true},
		{"other owner", Filter{Owner: "council"}, e, false},
		{"dataset without version", Filter{Dataset: "calls"}, e, true},
		{"dataset with version", Filter{Dataset: "calls@2"}, e, true},
		{"dataset, other version", Filter{Dataset: "calls@1"}, e, false},
		{"dataset prefix is not a dataset", Filter{Dataset: "call"}, e, false},
		{"acting partner", Filter{Partner: "council"}, e, true},
		{"outcome", Filter{Outcome: Denied}, e, false},
		{"since is inclusive", Filter{Since: at}, e, true},
		{"until is exclusive", Filter{Until: at}, e, false},
		{"index range is not matched here", Filter{From: 5, Before: 7, Newest: true, Limit: 1}, e, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.f.Match(c.e); got != c.want {
				t.Errorf("Match = %v, want %v", got, c.want)
			}
		})
	}
}

func TestFilterValidate(t *testing.T) {
	at := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		f    Filter
		ok   bool
	}{
		{"zero", Filter{}, true},
		{"newest page", Filter{Newest: true, Before: 51, Limit: 50}, true},
		{"index range", Filter{From: 10, Before: 11}, true},
		{"empty index range selects nothing", Filter{From: 11, Before: 11}, true},
		{"from with no before", Filter{From: 11}, true},
		{"bad outcome", Filter{Outcome: "maybe"}, false},
		{"negative limit", Filter{Limit: -1}, false},
		{"empty time window", Filter{Since: at, Until: at}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.f.Validate()
			if c.ok != (err == nil) {
				t.Fatalf("Validate = %v, want ok %v", err, c.ok)
			}
			if err != nil && fault.Code(err) != fault.Invalid {
				t.Errorf("code = %s, want %s", fault.Code(err), fault.Invalid)
			}
		})
	}
}
