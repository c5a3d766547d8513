package postgres_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/linkrun"
	"github.com/civiclink/civiclink/internal/store"
	"github.com/civiclink/civiclink/internal/store/postgres"
)

// sharedRun is a small run: records p1–p3 and a1–a3 in entities A–C, one
// matched pair and one pair under review.
func sharedRun(by string) (*linkrun.LinkageRun, linkrun.LinkageWrite) {
	var w linkrun.LinkageWrite
	for i, e := range []string{"A", "B", "C"} {
		n := string(rune('1' + i))
		w.Entities = append(w.Entities, linkrun.EntityRow{DatasetID: "incidents", RecordID: "p" + n, EntityID: e, Fingerprint: int64(10 + i)},
			linkrun.EntityRow{DatasetID: "attendances", RecordID: "a" + n, EntityID: e, Fingerprint: int64(20 + i)})
	}
	w.Pairs = []linkrun.PairRow{{DatasetL: "incidents", RecordL: "p1", DatasetR: "attendances", RecordR: "a1", Probability: 0.99, Weight: 12.5}}
	w.Review = []linkrun.ReviewRow{{Pair: 1, DatasetL: "incidents", RecordL: "p3", DatasetR: "attendances", RecordR: "a3", Probability: 0.5, Weight: 0.1,
		Fields: []linkrun.ReviewField{{Comparison: "dob", Level: "exact", Weight: 3.5}}}}
	run := &linkrun.LinkageRun{CreatedBy: by, Purpose: "violence-and-vulnerability", Quality: []byte(`{"records":6}`),
		Datasets: []linkrun.LinkedVersion{{DatasetID: "incidents", Version: 1}, {DatasetID: "attendances", Version: 1}}}
	return run, w
}

// TestLinkageAcrossProcesses: two processes' stores on one database share
// linkage runs. A run written through A is numbered by the database, its
// rows written once as Parquet files in the shared folder, and read
// through B (entities, pairs, review list), where it is also the current
// run; a decision recorded through B is in force in A's review; two
// adoptions at once through both land one; an adoption through A moves
// B's generation (figures are computed again); a process that cannot
// find a run's files says which and where.
func TestLinkageAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	_, dir, openAt := sharedStores(t)
	// A folder named like a hive partition (key=value) adds no column to
	// what is read from the files.
	shared := filepath.Join(dir, "site=essex", "versions")
	t.Setenv(postgres.VersionsEnv, shared)
	a, b := openAt("a.duckdb"), openAt("b.duckdb")

	first, w := sharedRun("ada")
	if err := a.WriteLinkageRun(ctx, first, w); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"entities", "pairs", "review"} {
		if _, err := os.Stat(filepath.Join(shared, fmt.Sprintf("linkage_%d_%s.parquet", first.ID, f))); err != nil {
			t.Errorf("the run's %s file: %v", f, err)
		}
	}
	got, err := b.LinkageRun(ctx, first.ID)
	if err != nil || got.CreatedBy != "ada" || string(got.Quality) != `{"records":6}` || len(got.Datasets) != 2 {
		t.Fatalf("B's LinkageRun(%d) = %+v, %v", first.ID, got, err)
	}
	if ents, err := b.EntityRows(ctx, first.ID); err != nil || len(ents) != 6 {
		t.Errorf("B's entity rows: %d, %v; want 6", len(ents), err)
	}
	if pairs, _, err := b.LinkagePairStats(ctx, first.ID); err != nil || len(pairs) != 1 || pairs[0].Pairs != 1 {
		t.Errorf("B's pair counts: %+v, %v; want one pair", pairs, err)
	}
	if cur, err := b.CurrentLinkageRun(ctx); err != nil || cur.ID != first.ID {
		t.Errorf("B's current run: %+v, %v; want the service's first run %d", cur, err, first.ID)
	}

	// A decision made through B is the one A's review shows.
	l := &linkrun.Label{RunID: first.ID, Pair: 1, DatasetL: "incidents", RecordL: "p3", DatasetR: "attendances", RecordR: "a3", Decision: "match", Note: "same person", By: "bo"}
	if err := b.SaveLabel(ctx, l); err != nil {
		t.Fatal(err)
	}
	rows, err := a.ReviewRows(ctx, first.ID, 0)
	if err != nil || len(rows) != 1 || rows[0].Decision == nil || rows[0].Decision.By != "bo" || rows[0].Decision.Decision != "match" {
		t.Errorf("A's review after B's decision: %+v, %v", rows, err)
	}
	if labels, err := a.Labels(ctx, []string{"incidents", "attendances"}); err != nil || len(labels) != 1 || labels[0].ID != l.ID {
		t.Errorf("A's labels: %+v, %v; want B's decision", labels, err)
	}

	// A second run through B; both adopt it at once from the same history:
	// one lands, the other is told the current run changed.
	second, w := sharedRun("bo")
	if err := b.WriteLinkageRun(ctx, second, w); err != nil {
		t.Fatal(err)
	}
	if second.ID == first.ID {
		t.Fatalf("both runs numbered %d", second.ID)
	}
	hist, err := a.Adoptions(ctx)
	if err != nil || len(hist) != 1 {
		t.Fatalf("adoption history %+v, %v; want the first run's", hist, err)
	}
	genB := b.Generation()
	next := linkrun.Adoption{Seq: hist[0].Seq + 1, RunID: second.ID, Action: "adopt", By: "ada", At: time.Now()}
	errA := a.AddAdoption(ctx, &next)
	other := next
	other.By = "bo"
	errB := b.AddAdoption(ctx, &other)
	if errA != nil || fault.Code(errB) != fault.Conflict {
		t.Errorf("two adoptions at once: %v and %v; want the first to land and the second a conflict", errA, errB)
	}
	for _, st := range []*postgres.Store{a, b} {
		if cur, err := st.CurrentLinkageRun(ctx); err != nil || cur.ID != second.ID {
			t.Errorf("current run after the adoption: %+v, %v; want %d", cur, err, second.ID)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); b.Generation() == genB; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("an adoption through A never moved B's generation")
		}
	}

	// A serving process copies the current run in as soon as it is
	// adopted elsewhere, before anything asks for it.
	b.WarmCurrentRun()
	third, w := sharedRun("ada")
	if err := a.WriteLinkageRun(ctx, third, w); err != nil {
		t.Fatal(err)
	}
	if err := a.AddAdoption(ctx, &linkrun.Adoption{Seq: 3, RunID: third.ID, Action: "adopt", By: "ada", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if ok, err := b.Engine().HasLinkageRun(ctx, third.ID); err != nil || ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("B never copied in the run adopted through A")
		}
	}

	// A process whose shared folder lacks a run's files opens, and is told
	// which run's rows are missing and where, when it needs them.
	pairsFile := fmt.Sprintf("linkage_%d_pairs.parquet", first.ID)
	os.Remove(filepath.Join(shared, pairsFile))
	reviewFile := fmt.Sprintf("linkage_%d_review.parquet", third.ID)
	os.Rename(filepath.Join(shared, reviewFile), filepath.Join(dir, reviewFile))
	c := openAt("c.duckdb")
	// Serving, it is not ready while the current run's files are missing,
	// and says which; it is once they are back.
	c.WarmCurrentRun()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if err := c.Ready(ctx); err != nil {
			if !strings.Contains(fault.Message(err), reviewFile) {
				t.Errorf("C not ready: %v; want it to name %s", err, reviewFile)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("C is ready without the current run's file %s", reviewFile)
		}
	}
	os.Rename(filepath.Join(dir, reviewFile), filepath.Join(shared, reviewFile))
	c.WarmCurrentRun()
	for deadline := time.Now().Add(10 * time.Second); c.Ready(ctx) != nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("C is still not ready with the file back: %v", c.Ready(ctx))
		}
	}
	if runs, err := c.LinkageRuns(ctx); err != nil || len(runs) != 3 {
		t.Errorf("C lists %d runs (%v), want 3", len(runs), err)
	}
	_, err = c.EntityRows(ctx, first.ID)
	if fault.Code(err) != fault.NotFound || !strings.Contains(fault.Message(err), pairsFile) || !strings.Contains(fault.Message(err), "CIVICLINK_VERSIONS") {
		t.Errorf("C reading a run whose file is gone: %v; want not found naming the file and the folder", err)
	}
	if ents, err := c.EntityRows(ctx, second.ID); err != nil || len(ents) != 6 {
		t.Errorf("C's entity rows of the second run: %d, %v; want 6", len(ents), err)
	}
}

// TestLinkagePublishedFromEngine: an engine that holds linkage runs of its
// own (staged by `civiclink migrate`, or from before runs were shared)
// publishes them when it first opens on the database, with their ids,
// adoption history and decisions, and their rows as files another process
// reads; a second such engine whose run ids the database gives to other
// runs is refused, naming the run.
func TestLinkagePublishedFromEngine(t *testing.T) {
	ctx := context.Background()
	url, dir, openAt := sharedStores(t)
	own := func(name string) {
		eng, err := store.Open(ctx, filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer eng.Close()
		run, w := sharedRun(name)
		if err := eng.WriteLinkageRun(ctx, run, w); err != nil {
			t.Fatal(err)
		}
		if err := eng.SaveLabel(ctx, &linkrun.Label{RunID: run.ID, Pair: 1, DatasetL: "incidents", RecordL: "p3", DatasetR: "attendances", RecordR: "a3", Decision: "non-match", By: name}); err != nil {
			t.Fatal(err)
		}
	}
	own("staged.duckdb")
	a := openAt("staged.duckdb")
	b := openAt("b.duckdb")
	cur, err := b.CurrentLinkageRun(ctx)
	if err != nil || cur.ID != 1 || cur.CreatedBy != "staged.duckdb" {
		t.Fatalf("current run after the staged engine opened: %+v, %v; want its run 1", cur, err)
	}
	if rows, err := b.ReviewRows(ctx, 1, 0); err != nil || len(rows) != 1 || rows[0].Decision == nil || rows[0].Decision.By != "staged.duckdb" {
		t.Errorf("B's review of the published run: %+v, %v; want the engine's decision", rows, err)
	}
	next, w := sharedRun("a")
	if err := a.WriteLinkageRun(ctx, next, w); err != nil || next.ID != 2 {
		t.Errorf("the next run through the staged engine: id %d, %v; want 2", next.ID, err)
	}
	own("other.duckdb")
	_, err = postgres.Open(ctx, url, filepath.Join(dir, "other.duckdb"))
	if fault.Code(err) != fault.Conflict || !strings.Contains(fault.Message(err), "linkage run 1") {
		t.Errorf("an engine with another run 1: %v; want a conflict naming the run", err)
	}
}

// TestSweepLinkageFiles: files of runs no record names (a process killed
// between writing a run's files and recording the run) are removed once
// older than the cut-off; a recorded run's files, a fresh unrecorded file
// (a run being stored now) and other files stay.
func TestSweepLinkageFiles(t *testing.T) {
	ctx := context.Background()
	_, _, openAt := sharedStores(t)
	a := openAt("a.duckdb")
	run, w := sharedRun("ada")
	if err := a.WriteLinkageRun(ctx, run, w); err != nil {
		t.Fatal(err)
	}
	shared := a.VersionsDir()
	old := time.Now().Add(-2 * time.Hour)
	files := map[string]bool{ // name: kept
		fmt.Sprintf("linkage_%d_entities.parquet", run.ID):       true,
		"linkage_99_entities.parquet":                            false,
		"linkage_99_pairs.parquet.partial":                       false,
		fmt.Sprintf("linkage_%d_review.parquet.partial", run.ID): false,
		"linkage_98_pairs.parquet":                               true, // fresh
		"notes.txt":                                              true,
	}
	for name := range files {
		p := filepath.Join(shared, name)
		if _, err := os.Stat(p); err != nil {
			os.WriteFile(p, []byte("x"), 0o600)
		}
		if name != "linkage_98_pairs.parquet" {
			os.Chtimes(p, old, old)
		}
	}
	n, err := a.SweepLinkageFiles(ctx, time.Now().Add(-time.Hour))
	if err != nil || n != 3 {
		t.Errorf("swept %d files (%v), want 3", n, err)
	}
	for name, kept := range files {
		if _, err := os.Stat(filepath.Join(shared, name)); (err == nil) != kept {
			t.Errorf("%s: kept %v, want %v", name, err == nil, kept)
		}
	}
	if ents, err := openAt("b.duckdb").EntityRows(ctx, run.ID); err != nil || len(ents) != 6 {
		t.Errorf("the recorded run after the sweep: %d rows, %v", len(ents), err)
	}
}
