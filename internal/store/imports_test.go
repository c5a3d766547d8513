package store_test

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"path"
	"slices"
	"strings"
	"testing"
)

// module is this repository's module path.
const module = "github.com/civiclink/civiclink"

// storeMayImport are the packages of this module the store may import:
// the rooms whose types it stores and whose interfaces it implements, and
// small domain-free helpers. See docs/architecture.md.
var storeMayImport = []string{
	"internal/audit", "internal/catalog", "internal/clock", "internal/disclose",
	"internal/community", "internal/fault", "internal/govern", "internal/insight", "internal/linkrun",
	"internal/output", "internal/queue", "internal/query", "internal/query/expr", "internal/web/sessions",
	"internal/web/pushes",
	"internal/programme",
	"internal/voice",
}

// publishMayImport are the packages publish may import: it turns insight's
// releases into the web's figures, over the catalogue, governance and
// geography, and knows no HTTP, no store and nothing above it.
var publishMayImport = []string{
	"internal/catalog", "internal/disclose", "internal/fault", "internal/geo",
	"internal/govern", "internal/insight",
}

// listed is what `go list -json` says of one package.
type listed struct {
	ImportPath string
	Imports    []string
}

// modulePackages lists this module's packages with their non-test imports
// (module-relative, e.g. "internal/store").
func modulePackages(t *testing.T) map[string][]string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the import rule is checked with `go list`: %v", err)
	}
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports", module+"/...")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string][]string{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		var own []string
		for _, imp := range p.Imports {
			if rel, ok := strings.CutPrefix(imp, module+"/"); ok {
				own = append(own, rel)
			}
		}
		pkgs[strings.TrimPrefix(p.ImportPath, module+"/")] = own
	}
	if len(pkgs) == 0 || pkgs["internal/store"] == nil {
		t.Fatalf("go list found no store package among %d packages", len(pkgs))
	}
	return pkgs
}

// testHelper reports whether a package exists only for tests: its name
// ends in "test" (demotest, governtest, storetest).
// wiring reports whether pkg is one of the two packages that wire the
// rooms over a store: the CLI and the services builder it and the tests use.
func wiring(pkg string) bool { return pkg == "cmd/civiclink" || pkg == "internal/app" }

func testHelper(pkg string) bool { return strings.HasSuffix(path.Base(pkg), "test") }

// backends are the store backends: the embedded DuckDB store and the
// PostgreSQL store, which keeps the platform's state in PostgreSQL and
// embeds the DuckDB store as its analytics engine (so it may import it).
var backends = []string{"internal/store", "internal/store/postgres"}

// TestImportRule keeps the house the right way up: only the wiring
// (cmd/civiclink and internal/app) and test helpers import the store; nothing but a test
// helper imports a test helper; and the store imports only the rooms it
// implements interfaces for, never one above it (web, demo, bench, …); and
// publish imports only the rooms below it (never web or the store).
func TestImportRule(t *testing.T) {
	pkgs := modulePackages(t)
	for pkg, imports := range pkgs {
		for _, imp := range imports {
			switch {
			case slices.Contains(backends, imp) && !wiring(pkg) && !testHelper(pkg) && !slices.Contains(backends, pkg):
				t.Errorf("%s imports %s: only the wiring (cmd/civiclink, internal/app) and test helpers may; declare the interface %s needs in %s and let the wiring pass the store", pkg, imp, pkg, pkg)
			case testHelper(imp) && !testHelper(pkg):
				t.Errorf("%s imports the test helper %s: test helpers are for _test.go files only", pkg, imp)
			}
		}
	}
	for _, b := range backends {
		if pkgs[b] == nil {
			t.Errorf("go list found no backend %s", b)
		}
		for _, imp := range pkgs[b] {
			if !slices.Contains(storeMayImport, imp) && !(b == "internal/store/postgres" && imp == "internal/store") {
				t.Errorf("%s imports %s: a store backend may import only the rooms whose interfaces it implements (%s); move the type it needs down into its room", b, imp, strings.Join(storeMayImport, ", "))
			}
		}
	}
	for _, imp := range pkgs["internal/publish"] {
		if !slices.Contains(publishMayImport, imp) {
			t.Errorf("internal/publish imports %s: publish may import only %s; it is called by the web, never the other way, and reads the store through interfaces it declares", imp, strings.Join(publishMayImport, ", "))
		}
	}
	if pkgs["internal/publish"] == nil {
		t.Error("go list found no internal/publish package: the rule above checks nothing")
	}
}
