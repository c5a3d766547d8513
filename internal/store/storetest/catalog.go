package storetest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/ingest"
)

// incidentsSchema is the police dataset of the query and linkage cases: a
// record id, an event date, a category and a district.
var incidentsSchema = &catalog.Schema{Columns: []catalog.Column{
	{Name: "incident_id", Type: catalog.TypeString, Role: catalog.RoleRecordID},
	{Name: "occurred_on", Type: catalog.TypeDate, Role: catalog.RoleEventDate},
	{Name: "kind", Type: catalog.TypeCategory, Codes: []catalog.Code{{Value: "violence"}, {Value: "theft"}}},
	{Name: "district", Type: catalog.TypeDistrict, Role: catalog.RoleGeography},
}}

// attendancesSchema is the NHS dataset linked with incidents.
var attendancesSchema = &catalog.Schema{Columns: []catalog.Column{
	{Name: "attendance_id", Type: catalog.TypeString, Role: catalog.RoleRecordID},
	{Name: "arrived_on", Type: catalog.TypeDate, Role: catalog.RoleEventDate},
	{Name: "district", Type: catalog.TypeDistrict, Role: catalog.RoleGeography},
}}

// The files loaded as versions: incidents p1..p5 (three violence), and
// attendances a1..a5 (each after its incident by 20 days, but a5 before).
const (
	incidentsCSV = `incident_id,occurred_on,kind,district
p1,2024-01-10,violence,E07000070
p2,2024-03-01,violence,E07000066
p3,2024-05-01,theft,E07000070
p4,2024-06-01,violence,E07000070
p5,2024-07-01,theft,E07000066
`
	attendancesCSV = `attendance_id,arrived_on,district
a1,2024-01-30,E07000070
a2,2024-03-21,E07000066
a3,2024-05-21,E07000070
a4,2024-06-21,E07000070
a5,2024-06-01,E07000066
`
)

// load creates dataset id (and its partner) if need be and ingests text
// as its next version.
func load(tb testing.TB, st Store, id, partner string, sc *catalog.Schema, text string) (*catalog.Dataset, *catalog.Version) {
	tb.Helper()
	ctx := context.Background()
	if _, err := st.Partner(ctx, partner); fault.Code(err) == fault.NotFound {
		if err := st.CreatePartner(ctx, &catalog.Partner{ID: partner, Name: partner}); err != nil {
			tb.Fatal(err)
		}
	}
	d, err := st.Dataset(ctx, id)
	if fault.Code(err) == fault.NotFound {
		d = &catalog.Dataset{ID: id, PartnerID: partner, Schema: sc}
		err = st.CreateDataset(ctx, d)
	}
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), id+".csv")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		tb.Fatal(err)
	}
	res, err := ingest.Run(ctx, st, ingest.Request{DatasetID: id, Path: path, User: "loader"})
	if err != nil {
		tb.Fatal(err)
	}
	return d, res.Version
}

func partners(t *testing.T, st Store) {
	ctx := context.Background()
	for _, p := range []*catalog.Partner{{ID: "police", Name: "Police"}, {ID: "nhs", Name: "NHS"}} {
		if err := st.CreatePartner(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.CreatePartner(ctx, &catalog.Partner{ID: "police", Name: "Again"}); fault.Code(err) != fault.Conflict {
		t.Errorf("duplicate partner: err %v, want conflict", err)
	}
	if p, err := st.Partner(ctx, "nhs"); err != nil || p.Name != "NHS" {
		t.Errorf("Partner(nhs) = %+v, %v", p, err)
	}
	if _, err := st.Partner(ctx, "fire"); fault.Code(err) != fault.NotFound {
		t.Errorf("missing partner: err %v, want not found", err)
	}
	ps, err := st.Partners(ctx)
	if err != nil || len(ps) != 2 {
		t.Fatalf("Partners = %v, %v; want 2", ps, err)
	}
}

func datasetsAndVersions(t *testing.T, st Store) {
	ctx := context.Background()
	d, v1 := load(t, st, "incidents", "police", incidentsSchema, incidentsCSV)
	_, v2 := load(t, st, "incidents", "police", incidentsSchema, incidentsCSV+"p6,2024-08-01,theft,E07000066\n")
	if err := st.CreateDataset(ctx, &catalog.Dataset{ID: "incidents", PartnerID: "police", Schema: incidentsSchema}); fault.Code(err) != fault.Conflict {
		t.Errorf("duplicate dataset: err %v, want conflict", err)
	}
	if _, err := st.Dataset(ctx, "nothing"); fault.Code(err) != fault.NotFound {
		t.Errorf("missing dataset: err %v, want not found", err)
	}
	got, err := st.Dataset(ctx, "incidents")
	if err != nil || got.PartnerID != "police" || len(got.Schema.Columns) != len(d.Schema.Columns) {
		t.Fatalf("Dataset = %+v, %v", got, err)
	}
	if ds, err := st.Datasets(ctx); err != nil || len(ds) != 1 || ds[0].ID != "incidents" {
		t.Errorf("Datasets = %v, %v; want incidents", ds, err)
	}
	if v1.Number != 1 || v2.Number != 2 || v1.Rows != 5 || v2.Rows != 6 {
		t.Fatalf("versions %d (%d rows), %d (%d rows); want 1 (5), 2 (6)", v1.Number, v1.Rows, v2.Number, v2.Rows)
	}
	latest, err := st.Version(ctx, "incidents", 0)
	if err != nil || latest.Number != 2 {
		t.Errorf("Version(0) = %+v, %v; want the latest, 2", latest, err)
	}
	if v, err := st.Version(ctx, "incidents", 1); err != nil || v.Rows != 5 || v.SHA256 != v1.SHA256 {
		t.Errorf("Version(1) = %+v, %v", v, err)
	}
	if _, err := st.Version(ctx, "incidents", 3); fault.Code(err) != fault.NotFound {
		t.Errorf("missing version: err %v, want not found", err)
	}
	vs, err := st.Versions(ctx, "incidents")
	if err != nil || len(vs) != 2 || vs[0].Number != 1 || vs[1].Number != 2 {
		t.Errorf("Versions = %v, %v; want 1, 2 oldest first", vs, err)
	}
	if v, err := st.VersionBySHA(ctx, "incidents", v2.SHA256); err != nil || v.Number != 2 {
		t.Errorf("VersionBySHA = %+v, %v; want version 2", v, err)
	}
	if _, err := st.VersionBySHA(ctx, "incidents", "0000"); fault.Code(err) != fault.NotFound {
		t.Errorf("unknown sha: err %v, want not found", err)
	}
	before := st.Generation()
	load(t, st, "incidents", "police", incidentsSchema, incidentsCSV+"p7,2024-09-01,theft,E07000066\n")
	if st.Generation() == before {
		t.Error("a new version did not move Generation on")
	}
}
