package linkcsv

import (
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	in := "rec_id, given_name, surname, cluster\nrec-1-org, anne , smith, 4\nrec-1-dup-0, , smyth, 4\n"
	ds, extra, err := Read(strings.NewReader(in), "d", "rec_id", "cluster")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(ds.Fields, ","), "given_name,surname"; got != want {
		t.Errorf("fields = %s, want %s", got, want)
	}
	if got, want := ds.Records[0].Values[0], "anne"; got != want {
		t.Errorf("value = %q, want %q (trimmed)", got, want)
	}
	if got, want := ds.Records[1].ID, "rec-1-dup-0"; got != want {
		t.Errorf("id = %q, want %q", got, want)
	}
	if got, want := strings.Join(extra["cluster"], ","), "4,4"; got != want {
		t.Errorf("cluster = %s, want %s", got, want)
	}
}

func TestReadErrors(t *testing.T) {
	tests := map[string]string{
		"empty":        "",
		"no id column": "a,b\n1,2\n",
		"repeated id":  "id,a\n1,x\n1,y\n",
		"empty id":     "id,a\n,x\n",
		"ragged":       "id,a\n1,x,y\n",
	}
	for name, in := range tests {
		if _, _, err := Read(strings.NewReader(in), "d", "id"); err == nil {
			t.Errorf("%s: no error, want one", name)
		}
	}
}

func FuzzRead(f *testing.F) {
	f.Add("id,a\n1,x\n2,\"y,z\"\n")
	f.Add("id, a\n 1 , x\n")
	f.Fuzz(func(t *testing.T, in string) {
		ds, _, err := Read(strings.NewReader(in), "d", "id")
		if err != nil {
			return
		}
		for _, r := range ds.Records {
			if len(r.Values) != len(ds.Fields) || r.ID == "" {
				t.Fatalf("record %+v does not fit fields %v", r, ds.Fields)
			}
		}
	})
}
