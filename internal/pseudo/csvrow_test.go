package pseudo

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"
)

// writeCSVRow writes, through csvSink, one CSV record as encoding/csv would (comma, \n line
// ends).
func writeCSVRow(buf *bytes.Buffer, row []string) {
	k := csvSink{buf: buf.AvailableBuffer()}
	for _, f := range row {
		k.text(f)
	}
	buf.Write(append(k.buf, '\n'))
}

// Rows written by csvSink read back unchanged.
func FuzzWriteCSVRow(f *testing.F) {
	f.Add("P1", "a,b", `say "hi"`)
	f.Add("", " lead", "line\nbreak")
	f.Add(`\.`, "\r", "ok")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		row := []string{a, b, c}
		var buf bytes.Buffer
		writeCSVRow(&buf, row)
		r := csv.NewReader(&buf)
		r.FieldsPerRecord = -1
		got, err := r.Read()
		if err != nil {
			return // encoding/csv cannot read back some inputs (a lone \r) either
		}
		if !slices.Equal(got, row) && !slices.Equal(got, normaliseCR(row)) {
			t.Errorf("wrote %q, read back %q (%q)", row, got, buf.String())
		}
	})
}

// normaliseCR is how encoding/csv reads \r\n inside quotes: as \n.
func normaliseCR(row []string) []string {
	out := make([]string, len(row))
	for i, s := range row {
		out[i] = string(bytes.ReplaceAll([]byte(s), []byte("\r\n"), []byte("\n")))
	}
	return out
}
