package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
)

// TestDatasetsAnswerFollowsChanges: the dataset list API's kept answer is
// replaced as soon as the catalogue changes.
func TestDatasetsAnswerFollowsChanges(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	if res := c.signIn(ownerID, password); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: status %d", res.StatusCode)
	}
	list := func() string { return readBody(t, c.do("GET", "/api/datasets", nil, "")) }
	first := list()
	if again := list(); again != first || !strings.Contains(first, `"incidents"`) {
		t.Fatalf("the list changed without a change, or lacks incidents:\n%s\n%s", first, again)
	}
	sc := &catalog.Schema{Columns: []catalog.Column{{Name: "id", Type: catalog.TypeString, Role: catalog.RoleRecordID}}}
	if err := f.st.CreateDataset(context.Background(), &catalog.Dataset{ID: "new-cases", PartnerID: "police", Schema: sc}); err != nil {
		t.Fatal(err)
	}
	if got := list(); !strings.Contains(got, `"new-cases"`) {
		t.Errorf("the list after a new dataset lacks it:\n%s", got)
	}
}
