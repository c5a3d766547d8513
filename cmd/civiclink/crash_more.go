package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/crash"
	"github.com/civiclink/civiclink/internal/store"
)

// The write paths that need more than one command line: agreement
// approval and activation, the retention purge (of versions loaded in the
// past), an upload pushed over HTTP to a server that is killed, and a
// server killed while many clients' reads append to its audit log.

// crashRetention is the agreement whose retention the purge scenario
// applies; crashRetainDays its retention.
const (
	crashRetention  = "crash-retention"
	crashRetainDays = 30
)

// crashServerScenarios are the scenarios beyond crashScenarios, over the
// store h attacks (county its county folder, work a folder for inputs).
func crashServerScenarios(ctx context.Context, h *crash.Harness[*store.Store], county, work string) ([]crash.Scenario[*store.Store], error) {
	data := h.Data
	if err := retentionAgreement(ctx, data, work); err != nil {
		return nil, err
	}
	token, err := crashToken(ctx, data, work)
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	base := "http://" + addr
	serve := []string{"serve", "--addr", addr}
	census := filepath.Join(county, "encoded", "school_census.csv")
	schema := filepath.Join(county, "encoded", "school_census.schema.json")
	var auditBefore uint64

	return []crash.Scenario[*store.Store]{
		{Name: "agreement approve", Prepare: func(ctx context.Context, i int) error {
			_, err := runCLI(ctx, data, "agreement", "create", "--file", agreementFileNamed(work, "approve", i))
			return err
		}, Args: func(i int) []string {
			return []string{"agreement", "approve", fmt.Sprintf("crash-approve-%d", i), "--note", "crash test"}
		}, Held: heldAgreementStatus},
		{Name: "agreement activate", Prepare: func(ctx context.Context, i int) error {
			id := fmt.Sprintf("crash-activate-%d", i)
			for _, args := range [][]string{{"agreement", "create", "--file", agreementFileNamed(work, "activate", i)}, {"agreement", "approve", id}} {
				if out, err := runCLI(ctx, data, args...); err != nil {
					return fmt.Errorf("%v: %v: %s", args, err, out)
				}
			}
			return nil
		}, Args: func(i int) []string {
			return []string{"agreement", "activate", fmt.Sprintf("crash-activate-%d", i)}
		}, Held: heldAgreementStatus},
		{Name: "retention purge", Prepare: func(ctx context.Context, i int) error {
			// Three versions loaded twice the retention ago, due now.
			past := clock.NewManual(time.Now().AddDate(0, 0, -2*crashRetainDays))
			for j := range 3 {
				f := variant(census, work, 1000+10*i+j)
				if out, err := runCLIAt(ctx, data, past, "ingest", "--dataset", "school_census", f); err != nil {
					return fmt.Errorf("loading a past version: %v: %s", err, out)
				}
			}
			return nil
		}, Args: func(int) []string {
			return []string{"retention", "purge", "--yes"}
		}, Held: heldPurge},
		{Name: "web upload (push)", Serve: serve, Base: base, Drive: func(ctx context.Context, i int) (string, error) {
			return h.Exec(ctx, "push", "--server", base, "--token-file", token, "--dataset", "school_census",
				"--schema", schema, "--chunk-size", "4096", variant(census, work, 2000+i))
		}, Held: heldPush},
		{Name: "audit appends (server)", Serve: serve, Base: base, Prepare: func(ctx context.Context, _ int) error {
			n, err := auditCount(ctx, data)
			auditBefore = n
			return err
		}, Drive: func(ctx context.Context, _ int) (string, error) {
			return readBurst(ctx, base, token, 16, 20)
		}, Held: func(ctx context.Context, st *store.Store, out string) error {
			return heldReads(ctx, st, out, auditBefore)
		}},
	}, nil
}

// crashOpen opens the store at data as the next command after a crash
// would: a command first (which finishes the audit entries a crash cut
// off, [app.Services.RecoverAudit]), then the store itself for the checks.
func crashOpen(ctx context.Context, data string) (*store.Store, error) {
	if out, err := runCLI(ctx, data, "dataset", "list"); err != nil {
		return nil, fmt.Errorf("the first command after the kill failed: %v: %s", err, strings.TrimSpace(out))
	}
	return store.Open(ctx, data)
}

// runCLIAt runs civiclink in this process as crashUser against data with
// its clock at c.
func runCLIAt(ctx context.Context, data string, c clock.Clock, args ...string) (string, error) {
	var out strings.Builder
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Clock: c}
	err := m.Run(ctx, append([]string{"--data", data, "--user", crashUser}, args...))
	m.Close()
	return out.String(), err
}

// retentionAgreement makes the active agreement whose retention the purge
// scenario applies to school_census.
func retentionAgreement(ctx context.Context, data, work string) error {
	return crashAgreement(cliOn(ctx, data), work, crashRetention, map[string][]string{"school_census": {"record_id"}})
}

// crashAgreement makes an active agreement id for crashPurpose, with the
// county its only party and crashRetainDays its retention, sharing the
// columns shares names per dataset.
func crashAgreement(run func(args ...string) (string, error), work, id string, shares map[string][]string) error {
	type share struct {
		Dataset string   `json:"dataset"`
		Columns []string `json:"columns"`
	}
	var list []share
	for _, d := range slices.Sorted(maps.Keys(shares)) {
		list = append(list, share{d, shares[d]})
	}
	datasets, err := json.Marshal(list)
	if err != nil {
		return err
	}
	path := filepath.Join(work, id+".json")
	start := time.Now().UTC()
	body := fmt.Sprintf(`{"id": %q, "title": "Crash harness: %s", "purpose": %q,
 "parties": [{"partner": "county", "owner": true, "recipient": true, "lawful_basis": ["uk-gdpr-6-1-e"]}],
 "datasets": %s,
 "outputs": ["aggregate"], "retention_days": %d,
 "start": %q, "end": %q, "review": %q}`, id, id, crashPurpose, datasets, crashRetainDays,
		start.Format("2006-01-02"), start.AddDate(1, 0, 0).Format("2006-01-02"), start.AddDate(0, 6, 0).Format("2006-01-02"))
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		return err
	}
	for _, args := range [][]string{{"agreement", "create", "--file", path}, {"agreement", "approve", id}, {"agreement", "activate", id}} {
		if out, err := run(args...); err != nil {
			return fmt.Errorf("crash set-up %v: %v\n%s", args, err, out)
		}
	}
	return nil
}

// agreementFileNamed writes, once, a draft agreement crash-KIND-i.
func agreementFileNamed(work, kind string, i int) string {
	path := agreementFile(work, i)
	b, err := os.ReadFile(path)
	if err != nil {
		return path
	}
	out := filepath.Join(work, fmt.Sprintf("agreement-%s-%d.json", kind, i))
	body := strings.Replace(string(b), fmt.Sprintf(`"id": "crash-%d"`, i), fmt.Sprintf(`"id": "crash-%s-%d"`, kind, i), 1)
	// Not school_census: these agreements' longer retention would keep
	// its versions from the purge scenario's.
	body = strings.Replace(body, `"dataset": "school_census"`, `"dataset": "adult_social_care"`, 1)
	os.WriteFile(out, []byte(body), 0o600)
	return out
}

// crashToken issues crashUser an API token and writes it to a file.
func crashToken(ctx context.Context, data, work string) (string, error) {
	out, err := runCLI(ctx, data, "user", "token", "issue", "--name", "crash")
	if err != nil {
		return "", fmt.Errorf("issuing a token: %v: %s", err, out)
	}
	tok := regexp.MustCompile(`cvl_\S+`).FindString(out)
	if tok == "" {
		return "", fmt.Errorf("no token in %q", out)
	}
	path := filepath.Join(work, "crash.token")
	return path, os.WriteFile(path, []byte(tok+"\n"), 0o600)
}

// freeAddr returns a loopback address no one listens on now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// auditCount is how many entries the store's audit log holds.
func auditCount(ctx context.Context, data string) (uint64, error) {
	st, err := store.Open(ctx, data)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	a, err := st.AuditLog(ctx, nil)
	if err != nil {
		return 0, err
	}
	return a.Count(ctx)
}

// readBurst has clients goroutines each read an indicator n times with
// the token in tokenFile, and reports how many reads the server answered
// 200 ("acknowledged N reads"). It stops early when ctx is cancelled.
func readBurst(ctx context.Context, base, tokenFile string, clients, n int) (string, error) {
	tok, err := os.ReadFile(tokenFile)
	if err != nil {
		return "", err
	}
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range n {
				_ = c + j
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/indicators/"+"ind:"+crashIndicator, nil)
				req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					failed.Add(1)
					if ctx.Err() != nil {
						return
					}
					continue
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					ok.Add(1)
				} else {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	out := fmt.Sprintf("acknowledged %d reads\n", ok.Load())
	if ctx.Err() == nil && ok.Load() == 0 {
		return out, fmt.Errorf("no read was answered 200 (%d failed)", failed.Load())
	}
	return out, nil
}

var (
	readsDone    = regexp.MustCompile(`acknowledged (\d+) reads`)
	pushDone     = regexp.MustCompile(`version (\d+) of (\S+): \d+ rows`)
	purgeDone    = regexp.MustCompile(`purged (\d+) versions`)
	agreementNow = regexp.MustCompile(`agreement (\S+) is now (\S+)`)
)

// heldReads checks that every read the server acknowledged is on the
// audit log: it grew by at least as many entries.
func heldReads(ctx context.Context, st *store.Store, out string, before uint64) error {
	m := readsDone.FindStringSubmatch(out)
	if m == nil {
		return nil
	}
	n, _ := strconv.ParseUint(m[1], 10, 64)
	a, err := st.AuditLog(ctx, nil)
	if err != nil {
		return err
	}
	now, err := a.Count(ctx)
	if err != nil {
		return err
	}
	if now < before+n {
		return fmt.Errorf("%d reads were answered but the audit log grew by %d entries", n, now-before)
	}
	return nil
}

func heldPush(ctx context.Context, st *store.Store, out string) error {
	m := pushDone.FindStringSubmatch(out)
	if m == nil {
		return nil
	}
	n, _ := strconv.Atoi(m[1])
	_, err := st.Version(ctx, m[2], n)
	return err
}

func heldAgreementStatus(ctx context.Context, st *store.Store, out string) error {
	m := agreementNow.FindStringSubmatch(out)
	if m == nil {
		return nil
	}
	a, err := st.Agreement(ctx, m[1])
	if err != nil {
		return err
	}
	if string(a.Status) != m[2] {
		return fmt.Errorf("agreement %s reported %s is %s", m[1], m[2], a.Status)
	}
	return nil
}

// heldPurge checks that no version of school_census past its retention
// (crashRetainDays: the agreement that covers it for longest) is left
// once the command reported the purge done.
func heldPurge(ctx context.Context, st *store.Store, out string) error {
	if purgeDone.FindStringSubmatch(out) == nil {
		return nil
	}
	vs, err := st.Versions(ctx, "school_census")
	if err != nil {
		return err
	}
	due := time.Now().AddDate(0, 0, -crashRetainDays)
	for _, v := range vs {
		if v.LoadedAt.Before(due) {
			return fmt.Errorf("version %d loaded %s was reported purged but is still there", v.Number, v.LoadedAt.Format(time.DateOnly))
		}
	}
	return nil
}
