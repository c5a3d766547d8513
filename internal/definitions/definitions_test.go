package definitions

import (
	"encoding/json"
	"strings"
	"testing"
)

// Every kind the rooms read holds files, and every file is JSON.
func TestKinds(t *testing.T) {
	for _, kind := range []string{"indicators", "cohorts", "themes", "schemas", "linkage"} {
		t.Run(kind, func(t *testing.T) {
			files, err := Kind(kind)
			if err != nil {
				t.Fatal(err)
			}
			if len(files) == 0 {
				t.Fatalf("no %s", kind)
			}
			for _, f := range files {
				if !strings.HasPrefix(f.Path, kind+"/") {
					t.Errorf("%s: not under %s/", f.Path, kind)
				}
				if !json.Valid(f.Data) {
					t.Errorf("%s: not valid JSON", f.Path)
				}
			}
		})
	}
	if files, err := Kind("nothing"); err != nil || len(files) != 0 {
		t.Errorf("Kind(nothing) = %d files, %v; want none", len(files), err)
	}
}
