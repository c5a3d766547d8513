package pushes_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/web/pushes"
	"github.com/civiclink/civiclink/internal/web/pushes/pushestest"
)

func TestMemoryContract(t *testing.T) {
	pushestest.Run(t, func(*testing.T) pushes.Store { return pushes.NewMemory() })
}

func hexSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestAssemble writes a file from its chunks, and refuses, leaving no
// file, when a chunk is missing, changed on disk, or the whole does not
// have the SHA-256 declared.
func TestAssemble(t *testing.T) {
	file := []byte("incident_id,occurred_on\ni1,2024-01-02\ni2,2024-01-03\n")
	parts := [][]byte{file[:10], file[10:30], file[30:]}
	cases := []struct {
		name  string
		spoil func(dir string, p *pushes.Push, chunks []pushes.Chunk) []pushes.Chunk
		want  string
	}{
		{"whole", func(string, *pushes.Push, []pushes.Chunk) []pushes.Chunk { return nil }, ""},
		{"a chunk not recorded", func(_ string, _ *pushes.Push, c []pushes.Chunk) []pushes.Chunk { return []pushes.Chunk{c[0], c[2]} }, "bytes 10 to 29 of the pushed file are missing"},
		{"the last chunk not recorded", func(_ string, _ *pushes.Push, c []pushes.Chunk) []pushes.Chunk { return c[:2] }, "end at byte 30 of the file's 52"},
		{"a chunk's file gone", func(dir string, p *pushes.Push, c []pushes.Chunk) []pushes.Chunk {
			os.Remove(filepath.Join(dir, p.Dir(), c[1].File()))
			return nil
		}, "chunk at byte 10 of the pushed file is not in the spool folder"},
		{"a chunk's file changed", func(dir string, p *pushes.Push, c []pushes.Chunk) []pushes.Chunk {
			os.WriteFile(filepath.Join(dir, p.Dir(), c[2].File()), []byte("X"+string(parts[2][1:])), 0o600)
			return nil
		}, "chunk at byte 30 of the pushed file changed"},
		{"another file declared", func(_ string, p *pushes.Push, _ []pushes.Chunk) []pushes.Chunk {
			p.SHA256 = hexSum([]byte("other"))
			return nil
		}, "not the " + hexSum([]byte("other")) + " declared"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spool := t.TempDir()
			p := &pushes.Push{ID: "p1", Name: "f.csv", Size: int64(len(file)), SHA256: hexSum(file)}
			var chunks []pushes.Chunk
			var at int64
			for _, b := range parts {
				ch := pushes.Chunk{Offset: at, Size: int64(len(b)), SHA256: hexSum(b)}
				if err := pushes.WriteChunk(spool, p, ch, b); err != nil {
					t.Fatal(err)
				}
				chunks, at = append(chunks, ch), at+int64(len(b))
			}
			if spoilt := c.spoil(spool, p, chunks); spoilt != nil {
				chunks = spoilt
			}
			out := filepath.Join(spool, p.Dir(), p.Name)
			err := pushes.Assemble(spool, p, chunks, out)
			got, _ := os.ReadFile(out)
			if c.want == "" {
				if err != nil || string(got) != string(file) {
					t.Fatalf("assembled %q, %v; want the file", got, err)
				}
			} else if err == nil || !strings.Contains(err.Error(), c.want) || got != nil {
				t.Fatalf("got %v (file %q); want an error with %q and no file", err, got, c.want)
			}
			if left, _ := filepath.Glob(filepath.Join(spool, p.Dir(), "*partial*")); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}

// TestDigest checks the running SHA-256 over chunks is the whole file's.
func TestDigest(t *testing.T) {
	d := pushes.NewDigest()
	var err error
	for _, part := range []string{"incident_id,", "occurred_on\n", "i1,2024-01-02\n"} {
		if d, err = pushes.Extend(d, []byte(part)); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := pushes.Sum(d); got != hexSum([]byte("incident_id,occurred_on\ni1,2024-01-02\n")) {
		t.Errorf("running digest %s is not the file's", got)
	}
	if _, err := pushes.Sum([]byte("garbage")); err == nil {
		t.Error("a damaged digest decoded")
	}
}
