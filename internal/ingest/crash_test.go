package ingest_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/store"
)

// TestMain lets this test binary double as a child process that ingests a
// file and reports progress, so a test can kill it mid-load with SIGKILL.
func TestMain(m *testing.M) {
	if os.Getenv("CIVICLINK_INGEST_CHILD") == "1" {
		os.Exit(childIngest(os.Getenv("CHILD_STORE"), os.Getenv("CHILD_FILE")))
	}
	os.Exit(m.Run())
}

func childIngest(storePath, file string) int {
	ctx := context.Background()
	st, err := store.Open(ctx, storePath)
	if err != nil {
		fmt.Println("open:", err)
		return 1
	}
	signalled := false
	_, err = ingest.Run(ctx, st, ingest.Request{DatasetID: "incidents", Path: file, Progress: func(done, total int64) {
		if !signalled && done > total/4 {
			fmt.Println("midway")
			signalled = true
		}
		if signalled {
			time.Sleep(20 * time.Millisecond) // stay mid-load until killed
		}
	}})
	fmt.Println("finished:", err)
	return 0
}

func TestKilledIngestLeavesNoVersion(t *testing.T) {
	st, path := newStore(t)
	st.Close() // the child owns the file while it runs
	var b strings.Builder
	b.WriteString("incident_id,occurred_on,crime_type,victims\n")
	for i := range 200000 {
		fmt.Fprintf(&b, "k%d,2024-01-%02d,theft,%d\n", i, i%28+1, i%5)
	}
	file := writeTemp(t, "big.csv", []byte(b.String()))

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CIVICLINK_INGEST_CHILD=1", "CHILD_STORE="+path, "CHILD_FILE="+file)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "midway" {
		cmd.Process.Kill()
		t.Fatalf("child said %q (%v), want midway", line, err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	st2, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("store does not reopen after a killed ingest: %v", err)
	}
	defer st2.Close()
	if n := versions(t, st2); n != 0 {
		t.Errorf("%d versions after kill -9 mid-ingest, want 0", n)
	}
	if n := dataTables(t, st2); n != 0 {
		t.Errorf("%d dataset tables after kill -9 mid-ingest, want 0", n)
	}
	res, err := ingest.Run(context.Background(), st2, ingest.Request{DatasetID: "incidents", Path: file})
	if err != nil {
		t.Fatalf("ingest after the crash: %v", err)
	}
	if res.Version.Number != 1 || res.Version.Rows != 200000 {
		t.Errorf("after the crash got version %d with %d rows, want 1 with 200000", res.Version.Number, res.Version.Rows)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(path), "test.duckdb.wal")); err == nil {
		t.Log("a WAL file remains, as DuckDB may keep one; its contents were not committed")
	}
}
