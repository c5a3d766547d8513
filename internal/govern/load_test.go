package govern

import (
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
)

func TestCanLoad(t *testing.T) {
	d := &catalog.Dataset{ID: "incidents", PartnerID: "police"}
	tests := []struct {
		name string
		u    User
		want string
	}{
		{"owner of the partner", User{ID: "o", PartnerID: "police", Roles: []Role{DataOwner}}, ""},
		{"owner of another partner", User{ID: "f", PartnerID: "fire", Roles: []Role{DataOwner}}, fault.Forbidden},
		{"analyst of the partner", User{ID: "a", PartnerID: "police", Roles: []Role{Analyst, PartnerAdmin}}, fault.Forbidden},
		{"disabled owner", User{ID: "d", PartnerID: "police", Roles: []Role{DataOwner}, Disabled: true}, fault.Forbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CanLoad(&tt.u, d)
			if got := fault.Code(err); (err == nil) != (tt.want == "") || (err != nil && got != tt.want) {
				t.Errorf("CanLoad = %v, want code %q", err, tt.want)
			}
		})
	}
}
