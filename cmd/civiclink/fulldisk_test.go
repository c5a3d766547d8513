package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/store"
)

// TestFullDisk runs ingest and link run on a store whose filesystem (a
// small tmpfs the test mounts) has run out of space: each stops with an
// error that says the disk is full, leaves only whole writes, and once
// space is freed the store verifies and the same command succeeds.
func TestFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a filesystem; skipped with -short")
	}
	ctx := context.Background()
	dir := t.TempDir()
	data, county, mnt := smallDisk(t, dir)
	filler := filepath.Join(mnt, "filler")
	census := filepath.Join(county, "encoded", "school_census.csv")
	commands := []struct {
		name  string
		leave int64 // bytes left free: room for the audit journal, not the write
		args  []string
	}{
		{"ingest", 0, []string{"ingest", "--dataset", "school_census", variant(census, dir, 1)}},
		{"ingest with room to start", 96 << 10, []string{"ingest", "--dataset", "school_census", variant(census, dir, 2)}},
		{"link run", 0, []string{"link", "run", "--datasets", crashDatasets, "--purpose", crashPurpose}},
		{"link run with room to start", 96 << 10, []string{"link", "run", "--datasets", crashDatasets, "--purpose", crashPurpose}},
	}
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			fill(t, mnt, filler, c.leave)
			out, errs, code := run(t, data, append([]string{"--user", crashUser}, c.args...)...)
			if code == 0 {
				t.Fatalf("succeeded on a full disk:\n%s", out)
			}
			t.Logf("on a full disk: %s", strings.TrimSpace(errs))
			if !strings.Contains(errs, "disk") || !strings.Contains(errs, "full") {
				t.Errorf("the error does not say the disk is full: %s", errs)
			}
			if err := os.Remove(filler); err != nil {
				t.Fatal(err)
			}
			st, err := store.Open(ctx, data)
			if err != nil {
				t.Fatalf("the store does not open once space is freed: %v", err)
			}
			bad, err := st.Integrity(ctx)
			st.Close()
			if err != nil || len(bad) > 0 {
				t.Errorf("after the full disk: %v %v", bad, err)
			}
			if out, errs, code := run(t, data, "--user", crashUser, "audit", "verify"); code != 0 {
				t.Errorf("audit verify after the full disk: %s %s", out, errs)
			}
			if out, errs, code := run(t, data, append([]string{"--user", crashUser}, c.args...)...); code != 0 {
				t.Errorf("%s fails once space is freed: %s %s", c.name, out, errs)
			}
		})
	}
}

// fill writes filler until mnt's filesystem has only leave bytes free.
func fill(tb testing.TB, mnt, filler string, leave int64) {
	tb.Helper()
	var fs syscall.Statfs_t
	f, err := os.Create(filler)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4<<10)
	for {
		if err := syscall.Statfs(mnt, &fs); err != nil {
			tb.Fatal(err)
		}
		if int64(fs.Bavail)*fs.Bsize <= leave {
			return
		}
		if _, err := f.Write(chunk); err != nil {
			return
		}
	}
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// TestFullDiskServer pushes a file to a server whose store's disk is full:
// the push fails saying the server's disk is full (HTTP 507, not a
// generic internal error), the store keeps only whole writes, and once
// space is freed the same push succeeds.
func TestFullDiskServer(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a filesystem; skipped with -short")
	}
	ctx := context.Background()
	dir := t.TempDir()
	data, county, mnt := smallDisk(t, dir)
	token, err := crashToken(ctx, data, dir)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), crashChild+"=1")
	srv := exec.Command(os.Args[0], "--data", data, "--user", crashUser, "serve", "--addr", addr)
	srv.Env = env
	var logs strings.Builder
	srv.Stdout, srv.Stderr = &logs, &logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Process.Signal(syscall.SIGTERM); srv.Wait() }()
	base := "http://" + addr
	ready := false
	for range 1800 {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if ready = resp.StatusCode == http.StatusOK; ready {
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !ready {
		t.Fatalf("the server did not get ready:\n%s", logs.String())
	}
	// A file bigger than the room left, sent in small chunks.
	census := filepath.Join(county, "encoded", "school_census.csv")
	big := filepath.Join(dir, "census-big.csv")
	b, err := os.ReadFile(census)
	if err != nil {
		t.Fatal(err)
	}
	header, rows, _ := strings.Cut(string(b), "\n")
	var body strings.Builder
	body.WriteString(header + "\n")
	for i := 0; body.Len() < 512<<10; i++ {
		for _, line := range strings.Split(strings.TrimSpace(rows), "\n") {
			id, rest, _ := strings.Cut(line, ",")
			fmt.Fprintf(&body, "%s-%d,%s\n", id, i, rest)
		}
	}
	os.WriteFile(big, []byte(body.String()), 0o600)
	push := func() (string, error) {
		c := exec.Command(os.Args[0], "push", "--server", base, "--token-file", token, "--dataset", "school_census",
			"--schema", filepath.Join(county, "encoded", "school_census.schema.json"), "--chunk-size", "65536", big)
		c.Env = env
		out, err := c.CombinedOutput()
		return string(out), err
	}
	filler := filepath.Join(mnt, "filler")
	fill(t, mnt, filler, 96<<10)
	out, err := push()
	if err == nil {
		t.Fatalf("the push succeeded on a full disk:\n%s", out)
	}
	t.Logf("pushing to a server on a full disk: %s", strings.TrimSpace(out))
	if !strings.Contains(out, "disk is full") || strings.Contains(out, "something went wrong") {
		t.Errorf("the push's error does not say the server's disk is full: %s", out)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if out, err := push(); err != nil || !strings.Contains(out, "of school_census:") {
		t.Errorf("the push fails once space is freed: %v\n%s\nserver log:\n%s", err, out, logs.String())
	}
}

// smallDisk builds the crash harness's 300-person store in dir, mounts a
// tmpfs a little larger than it (skipping the test where that needs root
// it has not got) and copies the store and its keys there. It returns the
// store's path on the tmpfs, the county folder and the mount point.
func smallDisk(t *testing.T, dir string) (data, county, mnt string) {
	t.Helper()
	built, county, err := crashSetup(context.Background(), dir, 300)
	if err != nil {
		t.Fatal(err)
	}
	size := fileSize(built) + fileSize(built+".wal") + 32<<20 // room for the store to grow over the subtests
	mnt = filepath.Join(dir, "small")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("full-disk test skipped: cannot mount a %d-byte tmpfs here (needs root): %v %s", size, err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })
	data = filepath.Join(mnt, "crash.duckdb")
	for _, suffix := range []string{"", ".audit-key", ".mfa-key"} {
		b, err := os.ReadFile(built + suffix)
		if os.IsNotExist(err) && suffix == ".mfa-key" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(data+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return data, county, mnt
}
