package linkrun_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/demo"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/link/eval"
	"github.com/civiclink/civiclink/internal/linkrun"
	"github.com/civiclink/civiclink/internal/store"
	"github.com/civiclink/civiclink/internal/synth"
)

// county builds a governed store holding an encoded synthetic county.
func county(tb testing.TB, people int) (*store.Store, *govern.Service, demo.Staff, string) {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	if _, _, err := synth.Generate(ctx, synth.DefaultConfig(people, 5), dir, synth.Options{}); err != nil {
		tb.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "store.duckdb"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if _, err := demo.LoadCounty(ctx, st, dir, demo.CountyOptions{User: "test"}); err != nil {
		tb.Fatal(err)
	}
	_, key, _ := ed25519.GenerateKey(nil)
	log, err := st.AuditLog(ctx, key)
	if err != nil {
		tb.Fatal(err)
	}
	svc := govern.NewService(st, govern.AuditRecorder{Log: log})
	svc.Argon2 = govern.Argon2Params{Time: 1, Memory: 8 * 1024, Threads: 1, KeyLen: 32, SaltLen: 16}
	clk := clock.System{}
	ps, err := st.Partners(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	var partners []catalog.Partner
	for _, p := range ps {
		partners = append(partners, *p)
	}
	ds, err := st.Datasets(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	staff, err := demo.SetUpGovernance(ctx, svc, partners, ds, clk.Now())
	if err != nil {
		tb.Fatal(err)
	}
	return st, svc, staff, dir
}

func truth(tb testing.TB, dir string) eval.Truth {
	tb.Helper()
	f, err := os.Open(filepath.Join(dir, "truth.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	tr, err := eval.ReadTruth(f)
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}

func TestRunLinksAgenciesOnEncodings(t *testing.T) {
	st, svc, staff, dir := county(t, 1500)
	ctx := context.Background()
	req := linkrun.Request{Datasets: []string{"police_incidents", "ae_attendances", "homelessness"}, Purpose: "violence-and-vulnerability", Truth: truth(t, dir)}
	res, err := linkrun.Run(ctx, st, svc, staff["police.analyst"], req, link.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := res.Evaluation
	t.Logf("records %d entities %d: precision %.4f recall %.4f F1 %.4f, B-cubed F1 %.4f", res.Records, res.Entities, e.Pairs.Precision, e.Pairs.Recall, e.Pairs.F1, e.Clusters.BCubedF1)
	if e.Pairs.F1 < 0.95 {
		t.Errorf("pairwise F1 %.4f on encoded identifiers, want at least 0.95", e.Pairs.F1)
	}
	run, err := st.LinkageRun(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if run.ID != res.Run.ID || len(run.Datasets) != 3 {
		t.Errorf("stored run %+v, want run %d over 3 datasets", run, res.Run.ID)
	}
}

func TestRunRefusedWithoutAgreement(t *testing.T) {
	st, svc, staff, _ := county(t, 300)
	ctx := context.Background()
	for _, id := range []string{"violence-and-vulnerability-demo"} {
		if _, err := svc.ChangeAgreement(ctx, staff["police.admin"], id, govern.ActionSuspend, "paused"); err != nil {
			t.Fatal(err)
		}
	}
	_, err := linkrun.Run(ctx, st, svc, staff["police.analyst"], linkrun.Request{Datasets: []string{"police_incidents", "ae_attendances"}, Purpose: "violence-and-vulnerability"}, link.Options{})
	if fault.Code(err) != fault.Forbidden {
		t.Fatalf("linking NHS data under a suspended agreement: %v, want forbidden", err)
	}
	if _, err := st.LinkageRun(ctx, 0); fault.Code(err) != fault.NotFound {
		t.Errorf("a refused run left a linkage run behind: %v", err)
	}
}

// TestRunWithAutoBlockingKeepsTheChosenRules links with "blocking":
// "auto": the stored run keeps the rules chosen (so an incremental run
// reuses them rather than choosing again) and how they were chosen.
func TestRunWithAutoBlockingKeepsTheChosenRules(t *testing.T) {
	st, svc, staff, dir := county(t, 600)
	ctx := context.Background()
	req := linkrun.Request{Datasets: []string{"police_incidents", "ae_attendances"}, Purpose: "violence-and-vulnerability", Truth: truth(t, dir)}
	first, err := linkrun.Run(ctx, st, svc, staff["police.analyst"], req, link.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := first.Config
	cfg.Blocking, cfg.AutoBlocking = nil, &link.AutoBlocking{TargetRecall: 0.97}
	req.Config = &cfg
	res, err := linkrun.Run(ctx, st, svc, staff["police.analyst"], req, link.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := res.Link.AutoBlocking
	if a == nil || len(a.Rules) == 0 {
		t.Fatalf("no rules chosen: %+v", a)
	}
	t.Logf("auto blocking: %d rules, estimated recall %.4f, true %.4f; F1 %.4f", len(a.Rules), a.EstimatedRecall, res.Link.Blocking.Recall, res.Evaluation.Pairs.F1)
	if d := a.EstimatedRecall - res.Link.Blocking.Recall; d > 0.05 || d < -0.05 {
		t.Errorf("estimated recall %.4f, true %.4f: want within 0.05", a.EstimatedRecall, res.Link.Blocking.Recall)
	}
	run, err := st.LinkageRun(ctx, res.Run.ID)
	if err != nil {
		t.Fatal(err)
	}
	var params struct {
		Config link.Config `json:"config"`
	}
	if err := json.Unmarshal(run.Params, &params); err != nil {
		t.Fatal(err)
	}
	if params.Config.AutoBlocking != nil || len(params.Config.Blocking) != len(a.Rules) {
		t.Errorf("stored config has auto_blocking %v and %d rules, want the %d rules chosen", params.Config.AutoBlocking, len(params.Config.Blocking), len(a.Rules))
	}
	if !strings.Contains(string(run.Quality), `"auto_blocking"`) {
		t.Error("the stored quality does not say how the rules were chosen")
	}
}
