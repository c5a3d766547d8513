package csvhead

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestReader(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		o       Options
		want    []string // dataset|record_id per record
		missing []string
		err     string // of Next, once the records before it are read
	}{
		{"header in any order, spaces and a BOM", "\ufeff record_id , dataset\n r1 ,police\nr2,nhs\n", Options{}, []string{"police|r1", "nhs|r2"}, nil, ""},
		{"a missing column", "record_id\nr1\n", Options{}, []string{"|r1"}, []string{"dataset"}, ""},
		{"quoted fields over lines", "dataset,record_id\n\"po\nlice\",r1\n", Options{}, []string{"po\nlice|r1"}, nil, ""},
		{"a ragged record refused", "dataset,record_id\npolice,r1\nnhs\n", Options{}, []string{"police|r1"}, nil, "wrong number of fields"},
		{"a ragged record read", "dataset,record_id\npolice,r1\nnhs\n", Options{Ragged: true}, []string{"police|r1", "nhs|"}, nil, ""},
		{"a bad quote", "dataset,record_id\npolice,\"r1\n", Options{}, nil, nil, "extraneous or missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(strings.NewReader(tt.in), tt.o)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Missing("dataset", "record_id"); !slices.Equal(got, tt.missing) {
				t.Errorf("missing %q, want %q", got, tt.missing)
			}
			var got []string
			for r.Next() {
				got = append(got, r.Get("dataset")+"|"+r.Get("record_id"))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("records %q, want %q", got, tt.want)
			}
			if err := r.Err(); (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("error %v, want one saying %q", err, tt.err)
			}
		})
	}
}

func TestReaderLinesAndFields(t *testing.T) {
	r, err := New(strings.NewReader("a,b\n1,2\n\n\"x\ny\",3\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Header(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("header %q", got)
	}
	var lines []int
	for r.Next() {
		lines = append(lines, r.Line())
		if r.Field(-1) != "" || r.Field(2) != "" || r.Field(r.Index("b")) == "" {
			t.Errorf("line %d: fields out of range are not empty, or b is", r.Line())
		}
	}
	if !slices.Equal(lines, []int{2, 4}) {
		t.Errorf("record lines %v, want [2 4] (a blank line skipped)", lines)
	}
	if _, err := New(strings.NewReader(""), Options{}); !errors.Is(err, io.EOF) {
		t.Errorf("an empty file: %v, want io.EOF", err)
	}
}
