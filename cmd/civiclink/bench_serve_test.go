package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchServe loads a served store through `civiclink bench serve`:
// signed-in users answered 200, a path they may not read counted as
// errors, and a wrong password refused before any load.
func TestBenchServe(t *testing.T) {
	_, ts := servedStore(t)
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good"), filepath.Join(dir, "bad")
	os.WriteFile(good, []byte(servedPassword+"\n"), 0o600)
	os.WriteFile(bad, []byte("not the password\n"), 0o600)
	tests := []struct {
		name     string
		args     []string
		code     int
		has      []string // in standard output
		errorsIn string   // a line of standard output that must report errors
		refusal  string   // in the error, when the run is refused
	}{
		{"datasets and a refused path", []string{"--password-file", good, "--path", "/api/datasets", "--path", "/api/nope"}, 0,
			[]string{"/healthz", "/api/datasets", "errors 0", "× reference"}, "/api/nope", ""},
		{"wrong password", []string{"--password-file", bad}, 3, nil, "", "check the user and password"},
		{"no server", []string{"--password-file", good, "--url", "http://127.0.0.1:1"}, 2, nil, "", "is `civiclink serve` (or demo) running there?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb}
			args := append([]string{"bench", "serve", "--url", ts.URL, "--user", "pat", "--users", "4", "--duration", "300ms"}, tt.args...)
			code := 0
			err := m.Run(context.Background(), args)
			if err != nil {
				code = exitCode(err)
			}
			if code != tt.code {
				t.Fatalf("exit %d, want %d: %v", code, tt.code, err)
			}
			if tt.refusal != "" && !strings.Contains(err.Error(), tt.refusal) {
				t.Errorf("error %q lacks %q", err, tt.refusal)
			}
			for _, h := range tt.has {
				if !strings.Contains(out.String(), h) {
					t.Errorf("output lacks %q:\n%s", h, out.String())
				}
			}
			if tt.errorsIn != "" {
				found := false
				for _, line := range strings.Split(out.String(), "\n") {
					if strings.HasPrefix(line, tt.errorsIn+" ") {
						found = true
						if strings.Contains(line, "errors 0") {
							t.Errorf("the refused path reports no errors: %s", line)
						}
					}
				}
				if !found {
					t.Errorf("no report for %s:\n%s", tt.errorsIn, out.String())
				}
			}
		})
	}
}
