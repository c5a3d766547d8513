package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/civiclink/civiclink/internal/govern"
)

// pushClient drives the push API with a token.
type pushClient struct {
	t    *testing.T
	c    *client
	auth []string
}

func (pc pushClient) declare(name string, b []byte, sum string) (Push, *http.Response) {
	pc.t.Helper()
	if sum == "" {
		s := sha256.Sum256(b)
		sum = hex.EncodeToString(s[:])
	}
	body, _ := json.Marshal(map[string]any{"name": name, "size": len(b), "sha256": sum})
	res := pc.c.do("POST", "/api/datasets/incidents/pushes", bytes.NewReader(body), "application/json", pc.auth...)
	var p Push
	if res.StatusCode == http.StatusOK {
		json.Unmarshal([]byte(readBody(pc.t, res)), &p)
	}
	return p, res
}

func (pc pushClient) chunk(id string, off int, b []byte, sum string) *http.Response {
	pc.t.Helper()
	if sum == "" {
		s := sha256.Sum256(b)
		sum = hex.EncodeToString(s[:])
	}
	hdr := append([]string{"X-Chunk-SHA256", sum}, pc.auth...)
	return pc.c.do("PUT", fmt.Sprintf("/api/pushes/%s/chunks/%d", id, off), bytes.NewReader(b), "application/octet-stream", hdr...)
}

func TestPush(t *testing.T) {
	f := newFixture(t)
	pc := pushClient{t: t, c: f.client(t), auth: []string{"Authorization", "Bearer " + f.token}}
	file, err := os.ReadFile(filepath.Join("testdata", "incidents.csv"))
	if err != nil {
		t.Fatal(err)
	}
	half := len(file) / 2
	p, res := pc.declare("incidents.csv", file, "")
	if res.StatusCode != http.StatusOK || p.Received != 0 {
		t.Fatalf("declare: status %d, push %+v", res.StatusCode, p)
	}
	if res := pc.chunk(p.ID, 0, file[:half], ""); res.StatusCode != http.StatusOK {
		t.Fatalf("first chunk: status %d: %s", res.StatusCode, readBody(t, res))
	}
	// cut off here: declaring the same file again resumes at the byte held
	again, _ := pc.declare("incidents.csv", file, "")
	if again.ID != p.ID || again.Received != int64(half) {
		t.Fatalf("resume: got %+v, want push %s at %d", again, p.ID, half)
	}
	cases := []struct {
		name   string
		off    int
		body   []byte
		sum    string
		status int
	}{
		{"the same chunk again (a replay changes nothing)", 0, file[:half], "", http.StatusOK},
		{"other bytes at an offset already held", 0, file[1 : half+1], "", http.StatusConflict},
		{"a chunk after a missing one", half + 10, file[half+10:], "", http.StatusConflict},
		{"a tampered chunk", half, append([]byte("X"), file[half+1:]...), hexSum(file[half:]), http.StatusBadRequest},
		{"a chunk past the end", half, append(bytes.Clone(file[half:]), 'x'), "", http.StatusBadRequest},
	}
	for _, c := range cases {
		if res := pc.chunk(p.ID, c.off, c.body, c.sum); res.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, res.StatusCode, c.status, readBody(t, res))
		}
	}
	if got, _ := pc.declare("incidents.csv", file, ""); got.Received != int64(half) {
		t.Fatalf("refused chunks changed what the server holds: %d bytes, want %d", got.Received, half)
	}
	if res := pc.chunk(p.ID, half, file[half:], ""); res.StatusCode != http.StatusOK {
		t.Fatalf("last chunk: status %d: %s", res.StatusCode, readBody(t, res))
	}
	res = pc.c.do("POST", "/api/pushes/"+p.ID+"/complete", nil, "", pc.auth...)
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("complete: status %d: %s", res.StatusCode, readBody(t, res))
	}
	var j Job
	json.Unmarshal([]byte(readBody(t, res)), &j)
	j = waitJob(t, pc.c, j.ID, pc.auth...)
	if j.State != jobDone || j.Version != 1 || j.Rows != 220 {
		t.Fatalf("job = %+v, want done, version 1, 220 rows", j)
	}
	// recorded exactly as an upload: the ingest service's entry
	if got := len(f.rec.find("ingest")); got != 1 {
		t.Errorf("%d ingest audit entries, want 1", got)
	}
	if res := pc.c.do("GET", "/api/pushes/"+p.ID, nil, "", pc.auth...); res.StatusCode != http.StatusNotFound {
		t.Errorf("a completed push is still known: status %d", res.StatusCode)
	}
}

// TestPushRefused covers the refusals that must leave nothing recorded: a
// file whose bytes do not match the SHA-256 declared, and a token that
// may not load into the dataset.
func TestPushRefused(t *testing.T) {
	f := newFixture(t)
	pc := pushClient{t: t, c: f.client(t), auth: []string{"Authorization", "Bearer " + f.token}}
	file, err := os.ReadFile(filepath.Join("testdata", "incidents.csv"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := pc.declare("incidents.csv", file, hexSum([]byte("another file")))
	if res := pc.chunk(p.ID, 0, file, ""); res.StatusCode != http.StatusOK {
		t.Fatalf("chunk: status %d", res.StatusCode)
	}
	res := pc.c.do("POST", "/api/pushes/"+p.ID+"/complete", nil, "", pc.auth...)
	if code, msg := errorCode(t, res); res.StatusCode != http.StatusBadRequest || code != "invalid" {
		t.Errorf("a file that does not match its SHA-256: status %d %s %s", res.StatusCode, code, msg)
	}
	if got := len(f.rec.find("dataset.push")); got != 1 {
		t.Errorf("%d dataset.push refusals recorded, want 1", got)
	}

	carl, err := f.gov.Actor(t.Context(), analystID)
	if err != nil {
		t.Fatal(err)
	}
	_, tok, err := f.gov.IssueToken(t.Context(), carl, "push", 0)
	if err != nil {
		t.Fatal(err)
	}
	other := pushClient{t: t, c: f.client(t), auth: []string{"Authorization", "Bearer " + tok}}
	if _, res := other.declare("incidents.csv", file, ""); res.StatusCode != http.StatusForbidden {
		t.Errorf("a token that may not write: status %d, want %d", res.StatusCode, http.StatusForbidden)
	}
	if got := countDenied(f.rec.find("ingest")); got != 1 {
		t.Errorf("%d refused ingest entries, want 1", got)
	}
	vs, err := f.st.Versions(t.Context(), "incidents")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 0 {
		t.Errorf("%d versions after refused pushes, want none", len(vs))
	}
}

func countDenied(es []govern.Event) int {
	n := 0
	for _, e := range es {
		if e.Outcome == govern.OutcomeDenied {
			n++
		}
	}
	return n
}

func hexSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
