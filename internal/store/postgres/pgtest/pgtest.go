// Package pgtest gives tests a fresh PostgreSQL database each: it starts
// the local PostgreSQL 15 cluster when it is stopped (and installs it
// where it is missing, as scripts/ensure-chromium.sh does for Chromium),
// creates a database named for the test and drops it when the test ends.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// AdminEnv names the environment variable with the URL of the server's
// maintenance database; unset, the local cluster at 127.0.0.1:5432 as
// user postgres is used.
const AdminEnv = "CIVICLINK_TEST_POSTGRES"

const defaultAdmin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var (
	readyOnce sync.Once
	readyErr  error
)

// Admin returns the URL of the maintenance database, starting the local
// server first if it is not answering.
func Admin(tb testing.TB) string {
	tb.Helper()
	url := os.Getenv(AdminEnv)
	if url == "" {
		url = defaultAdmin
	}
	readyOnce.Do(func() { readyErr = ensureRunning(url) })
	if readyErr != nil {
		tb.Fatalf("PostgreSQL is not available at %s: %v", url, readyErr)
	}
	return url
}

// ensureRunning pings url and, when nothing answers, runs
// scripts/ensure-postgres.sh (installing and starting the local cluster)
// and waits for it.
func ensureRunning(url string) error {
	if ping(url) == nil {
		return nil
	}
	script := findScript("scripts/ensure-postgres.sh")
	if script != "" {
		out, err := exec.Command("bash", script).CombinedOutput()
		if err != nil {
			return &startError{out: string(out), err: err}
		}
	} else if out, err := exec.Command("pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "start").CombinedOutput(); err != nil {
		return &startError{out: string(out), err: err}
	}
	var err error
	for range 50 {
		if err = ping(url); err == nil {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return err
}

type startError struct {
	out string
	err error
}

func (e *startError) Error() string { return "starting it failed: " + e.err.Error() + ": " + e.out }

func ping(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// findScript looks for rel in the working directory and its parents.
func findScript(rel string) string {
	dir, _ := os.Getwd()
	for dir != "" && dir != "/" {
		p := dir + "/" + rel
		if _, err := os.Stat(p); err == nil {
			return p
		}
		dir = dir[:strings.LastIndex(dir, "/")]
	}
	return ""
}

// Fresh creates an empty database for this test and returns its URL; the
// database is dropped when the test ends.
func Fresh(tb testing.TB) string {
	tb.Helper()
	admin := Admin(tb)
	b := make([]byte, 6)
	rand.Read(b)
	name := "civiclink_test_" + hex.EncodeToString(b)
	exec1(tb, admin, `CREATE DATABASE `+name)
	tb.Cleanup(func() { exec1(tb, admin, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`) })
	return withDatabase(admin, name)
}

// withDatabase returns url naming database name instead.
func withDatabase(url, name string) string {
	rest := ""
	if i := strings.Index(url, "?"); i >= 0 {
		rest = url[i:]
	}
	head := url[:len(url)-len(rest)]
	head = head[:strings.LastIndex(head, "/")+1]
	return head + name + rest
}

func exec1(tb testing.TB, url, sql string) {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatalf("connect %s: %v", url, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
}
