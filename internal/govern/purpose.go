package govern

import (
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
)

// Purpose is an entry of the purpose register: why partner data may be
// used. Agreements and access requests name a purpose by id.
type Purpose struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Safeguarding marks purposes for which an agreement may permit
	// record-level output back to the owning partner.
	Safeguarding bool      `json:"safeguarding,omitempty"`
	CreatedBy    string    `json:"created_by,omitempty"`
	CreatedAt    time.Time `json:"created_at,omitzero"`
}

// StandardPurposes is the register every store starts with; partners may
// add their own.
var StandardPurposes = []Purpose{
	{ID: "violence-and-vulnerability", Name: "Violence and vulnerability", Description: "Serious violence duty: understand and reduce serious violence, exploitation and county lines", Safeguarding: true},
	{ID: "domestic-abuse", Name: "Domestic abuse", Description: "Identify and support victims of domestic abuse and manage risk from perpetrators", Safeguarding: true},
	{ID: "homelessness-prevention", Name: "Homelessness prevention", Description: "Find households at risk of homelessness early and prevent it", Safeguarding: true},
	{ID: "mental-health-crisis", Name: "Mental health crisis", Description: "Understand and reduce mental-health crises attended by police, ambulance and A&E", Safeguarding: true},
	{ID: "avoidable-emergency-care", Name: "Avoidable emergency care", Description: "Reduce avoidable A&E attendances and emergency admissions"},
	{ID: "road-safety", Name: "Road safety", Description: "Reduce road casualties (Vision Zero)"},
	{ID: "school-readiness", Name: "School readiness", Description: "Improve early years outcomes and readiness for school"},
	{ID: "physical-activity", Name: "Physical activity", Description: "Reduce physical inactivity and its health effects"},
	{ID: "fire-prevention", Name: "Fire prevention", Description: "Target home fire safety visits at the households most at risk", Safeguarding: true},
}

// Validate checks a purpose before it is added to the register.
func (p *Purpose) Validate() error {
	if err := catalog.ValidateID("purpose", p.ID); err != nil {
		return err
	}
	if p.Name == "" {
		return fault.FieldErrorf(fault.Invalid, "name", "purpose %q needs a name", p.ID)
	}
	return nil
}

// Purposes is the purpose register keyed by id.
type Purposes map[string]Purpose

// NewRegister returns the register holding the standard purposes and then
// extra (stored) ones.
func NewRegister(extra ...Purpose) Purposes {
	r := Purposes{}
	for _, p := range StandardPurposes {
		r[p.ID] = p
	}
	for _, p := range extra {
		r[p.ID] = p
	}
	return r
}

// Lookup returns the purpose with id, or an Invalid error naming how to list
// them.
func (r Purposes) Lookup(id string) (Purpose, error) {
	p, ok := r[id]
	if !ok {
		return Purpose{}, fault.Errorf(fault.Invalid, "purpose %q is not in the purpose register (see `civiclink purpose list`)", id)
	}
	return p, nil
}
