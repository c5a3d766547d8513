package release_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/demo/demotest"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/govern/governtest"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/output"
	"github.com/civiclink/civiclink/internal/release"
)

func TestOperationsGoThroughGovernance(t *testing.T) {
	governtest.CheckOperations(t, release.Operations(), map[string]governtest.ProbeFunc{release.OpCheck: probeCheck})
}

// probeCheck drafts an output over the probe's dataset and reviews its
// findings as the probe's user.
func probeCheck(ctx context.Context, az govern.Authorizer, p governtest.Probe) error {
	st := p.Store
	o := &output.Output{Series: "probe", Title: "probe", Indicator: "probe", Purpose: p.Purpose, Datasets: []string{p.Dataset}, Columns: map[string][]string{p.Dataset: p.Columns},
		Status: output.Draft, Table: &disclose.Result{}, Report: &disclose.Report{}, CreatedBy: "someone-else", CreatedAt: time.Now()}
	if err := st.CreateOutput(ctx, o); err != nil {
		return err
	}
	s := &release.Service{Store: st, Gov: az, Clock: clock.System{}}
	got, err := s.Findings(ctx, p.User, o.ID)
	if err == nil && got.Report == nil {
		err = fault.Errorf(fault.Internal, "probe output has no findings")
	}
	return err
}

func TestOutputLifecycle(t *testing.T) {
	ctx := context.Background()
	dc := demotest.New(t, 1000, 6)
	st, log, sum := dc.Store, dc.Audit, dc.Summary
	county, _ := geo.Load()
	gov := govern.NewService(st, govern.AuditRecorder{Log: log})
	s := &release.Service{Store: st, Gov: gov, Audit: log, Clock: clock.System{},
		Insight: &insight.Engine{Store: st, Gov: gov, Geo: county}}
	ind, err := insight.FindIndicator("domestic-abuse-victims")
	if err != nil {
		t.Fatal(err)
	}
	analyst, checker := sum.Staff["county.analyst"], sum.Staff["county.checker"]
	o, err := s.Draft(ctx, analyst, ind, []string{"district"})
	if err != nil {
		t.Fatal(err)
	}
	if o.Version != 1 || o.Status != output.Draft {
		t.Fatalf("draft = %+v, want version 1 in draft", o)
	}
	if _, err := s.Exported(ctx, analyst, o.ID, "csv"); fault.Code(err) != fault.Forbidden {
		t.Errorf("exporting a draft: %v, want forbidden", err)
	}
	if _, err := s.Check(ctx, analyst, o.ID, true, "mine"); fault.Code(err) != fault.Forbidden {
		t.Errorf("the analyst checking their own output: %v, want forbidden", err)
	}
	if _, err := s.Release(ctx, analyst, o.ID); fault.Code(err) != fault.Conflict {
		t.Errorf("releasing an unchecked draft: %v, want conflict", err)
	}
	f, err := s.Findings(ctx, checker, o.ID)
	if err != nil || f.Report == nil {
		t.Fatalf("the checker's findings: %v", err)
	}
	if _, err := s.Check(ctx, checker, o.ID, true, "no residual risk"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Release(ctx, analyst, o.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Check(ctx, checker, o.ID, false, "too late"); fault.Code(err) != fault.Conflict {
		t.Errorf("changing a released output: %v, want conflict", err)
	}
	got, err := s.Exported(ctx, analyst, o.ID, "geojson")
	if err != nil {
		t.Fatal(err)
	}
	districts, err := geo.LoadBoundaries(geo.LayerLAD)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range output.Formats {
		var b bytes.Buffer
		if err := output.Write(&b, got, format, districts); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if format == "geojson" {
			var fc struct {
				Features []struct {
					Properties map[string]any `json:"properties"`
				} `json:"features"`
			}
			if err := json.Unmarshal(b.Bytes(), &fc); err != nil || len(fc.Features) != 14 {
				t.Fatalf("GeoJSON: %v, %d features, want 14", err, len(fc.Features))
			}
			for _, f := range fc.Features {
				if v, ok := f.Properties["value"]; !ok || v == nil {
					t.Errorf("district %v has no published value", f.Properties["code"])
				}
			}
		}
		if format == "csv" && !strings.HasPrefix(b.String(), "district,count") {
			t.Errorf("CSV export starts %q", b.String()[:min(40, b.Len())])
		}
	}
	again, err := s.Draft(ctx, analyst, ind, []string{"district"})
	if err != nil || again.Version != 2 {
		t.Errorf("the next draft of the series: %v, version %d, want 2", err, again.Version)
	}
}
