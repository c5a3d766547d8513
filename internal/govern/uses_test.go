package govern

import (
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
)

func TestCanSeeUses(t *testing.T) {
	owner := &User{ID: "o", PartnerID: "police", Roles: []Role{DataOwner}}
	admin := &User{ID: "a", PartnerID: "police", Roles: []Role{PartnerAdmin}}
	analyst := &User{ID: "n", PartnerID: "police", Roles: []Role{Analyst}}
	auditor := &User{ID: "x", PartnerID: "county", Roles: []Role{Auditor}}
	gone := &User{ID: "d", PartnerID: "police", Roles: []Role{DataOwner}, Disabled: true}
	tests := []struct {
		name    string
		u       *User
		partner string
		want    string
	}{
		{"owner, own partner", owner, "police", ""},
		{"admin, own partner", admin, "police", ""},
		{"owner, other partner", owner, "county", fault.Forbidden},
		{"owner, every partner", owner, "", fault.Forbidden},
		{"analyst", analyst, "police", fault.Forbidden},
		{"auditor, any partner", auditor, "police", ""},
		{"auditor, every partner", auditor, "", ""},
		{"disabled owner", gone, "police", fault.Forbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fault.Code(CanSeeUses(tt.u, tt.partner)); got != tt.want {
				t.Errorf("CanSeeUses = %q, want %q", got, tt.want)
			}
		})
	}
}
