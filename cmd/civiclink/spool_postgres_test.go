package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestSpoolSweepPostgres: the shared upload spool keeps only what work
// still needs. Uploads that end leave nothing; the file of an upload job
// whose server was killed mid-load, an upload spooled and never queued, a
// failed job's file and a push's chunks left after it was forgotten are
// removed by the sweep a server makes when it starts, once they are an
// hour old — while the file of a job another process is running, a push
// in progress and a folder just made are kept, however old.
func TestSpoolSweepPostgres(t *testing.T) {
	dir, db, token := pgIncidents(t)
	bases, pids := twoServerProcs(t, dir, db, "--no-second-factor")
	spool := filepath.Join(dir, "civiclink-versions", "uploads")
	conn, err := pgx.Connect(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())

	// An upload that ends leaves nothing in the spool.
	if status, body := uploadFile(t, bases[0], token, incidentsDir+"good.csv"); status != http.StatusAccepted {
		t.Fatalf("upload: %d %s", status, body)
	}
	waitForVersion(t, bases[1], token, 1)
	waitSettled(t, conn, "web.upload")
	if left := filepathGlob(spool, "civiclink-upload-*"); len(left) > 0 {
		t.Errorf("a finished upload left %v", left)
	}

	// A server killed while it loads an upload: its job is failed as
	// interrupted, and its file stays until a sweep.
	big := filepath.Join(dir, "big.csv")
	writeIncidents(t, big, 200000)
	if status, body := startUploadFile(t, bases[1], token, big); status != http.StatusAccepted {
		t.Fatalf("upload: %d %s", status, body)
	}
	ref, worker, _ := runningJob(t, conn, "web.upload")
	killed := killWorker(t, pids, worker)
	staleJob(t, conn, ref)
	waitSettled(t, conn, "web.upload")
	var killedDir string
	conn.QueryRow(context.Background(), `SELECT convert_from(payload, 'UTF8')::json->>'dir' FROM jobs WHERE ref = $1`, ref).Scan(&killedDir)
	if filepath.IsAbs(killedDir) {
		t.Errorf("the queued upload names its folder %s by its path on the server that received it; want its name in the shared folder (mounted elsewhere on other servers)", killedDir)
	}
	killedDir = filepath.Join(spool, killedDir)
	if _, err := os.Stat(killedDir); err != nil {
		t.Fatalf("the killed job's file %s: %v (want it left for the sweep)", killedDir, err)
	}

	// What else a killed process leaves, and what must stay.
	hourAgo := time.Now().Add(-2 * time.Hour)
	mk := func(name string) string {
		p := filepath.Join(spool, name)
		os.MkdirAll(p, 0o700)
		os.WriteFile(filepath.Join(p, "f.csv"), []byte("incident_id\n"), 0o600)
		return p
	}
	never := mk("civiclink-upload-never-queued")
	failed := mk("civiclink-upload-failed")
	running := mk("civiclink-upload-running-elsewhere")
	forgotten := mk("civiclink-push-forgotten")
	fresh := mk("civiclink-upload-being-received")
	notOurs := mk("not-civiclink")
	for _, j := range []struct{ ref, dir, state string }{{"failed-job", failed, "failed"}, {"running-job", running, "running"}} {
		payload, _ := json.Marshal(map[string]any{"job": map[string]string{"id": j.ref}, "dir": j.dir, "path": filepath.Join(j.dir, "f.csv")})
		if _, err := conn.Exec(context.Background(), `INSERT INTO jobs (kind, payload, state, worker, created_at, claimed_at, heartbeat_at, ref)
			VALUES ('web.upload', $1, $2, 'elsewhere/1/x', now(), now(), now(), $3)`, payload, j.state, j.ref); err != nil {
			t.Fatal(err)
		}
	}
	// a push in progress, its chunk an old file
	file := []byte("incident_id,occurred_on\n")
	decl, _ := json.Marshal(map[string]any{"name": "hand.csv", "size": len(file), "sha256": hexSHA256(file)})
	var p struct{ ID string }
	json.Unmarshal(httpDo(t, "POST", bases[1-killed]+"/api/datasets/incidents/pushes", token, "", bytes.NewReader(decl)), &p)
	if status, body := sendChunk(t, bases[1-killed], token, p.ID, 0, file[:11], hexSHA256(file[:11])); status != http.StatusOK {
		t.Fatalf("a chunk of a push in progress: %d %s", status, body)
	}
	inProgress := filepath.Join(spool, "civiclink-push-"+p.ID)
	for _, d := range []string{killedDir, never, failed, running, forgotten, notOurs, inProgress} {
		ageFolder(t, d, hourAgo)
	}

	// A server starting now sweeps the spool.
	serverProc(t, dir, db, "c.duckdb", "--no-second-factor")
	gone := []string{killedDir, never, failed, forgotten}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline) && exists(gone...) > 0; time.Sleep(50 * time.Millisecond) {
	}
	for _, d := range gone {
		if exists(d) > 0 {
			t.Errorf("%s is still in the spool after a sweep", filepath.Base(d))
		}
	}
	for _, d := range []string{running, fresh, notOurs, inProgress} {
		if exists(d) == 0 {
			t.Errorf("the sweep removed %s", filepath.Base(d))
		}
	}
}

func hexSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// waitSettled waits until no job of kind is queued or running.
func waitSettled(t *testing.T, conn *pgx.Conn, kind string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var n int
		if conn.QueryRow(context.Background(), `SELECT count(*) FROM jobs WHERE kind = $1 AND state IN ('queued', 'running')`, kind).Scan(&n); n == 0 {
			return
		}
	}
	t.Fatalf("%s jobs still queued or running after a minute", kind)
}

// ageFolder sets the times of a folder and its files to at.
func ageFolder(t *testing.T, dir string, at time.Time) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		os.Chtimes(filepath.Join(dir, e.Name()), at, at)
	}
	os.Chtimes(dir, at, at)
}

// exists counts the paths that exist.
func exists(paths ...string) int {
	n := 0
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			n++
		}
	}
	return n
}
