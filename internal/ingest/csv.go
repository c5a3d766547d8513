package ingest

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/civiclink/civiclink/internal/fault"
)

// csvSource reads RFC 4180 CSV.
type csvSource struct {
	r      *csv.Reader
	header []string
}

func newCSVSource(r io.Reader, name string, delim rune) (*csvSource, error) {
	cr := csv.NewReader(r)
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	h, err := cr.Read()
	if err == io.EOF {
		return nil, fault.Errorf(fault.Invalid, "%s is empty: expected a header row naming the columns", name)
	}
	if err != nil {
		return nil, csvFatal(name, err)
	}
	header := append([]string(nil), h...)
	for i, c := range header {
		if !utf8.ValidString(c) {
			return nil, fault.Errorf(fault.Invalid, "%s: the header is not valid UTF-8 (column %d): save the file as UTF-8", name, i+1)
		}
	}
	if len(header) == 1 && delim == ',' && (containsRune(header[0], ';') || containsRune(header[0], '\t')) {
		return nil, fault.FieldErrorf(fault.Invalid, "delimiter", "%s: the header has one column %q: is the delimiter ';' or tab? say which", name, header[0])
	}
	return &csvSource{r: cr, header: header}, nil
}

func containsRune(s string, r rune) bool {
	for _, c := range s {
		if c == r {
			return true
		}
	}
	return false
}

func (s *csvSource) Header() []string { return s.header }

func (s *csvSource) Next() ([]string, int64, error) {
	rec, err := s.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) && (errors.Is(pe.Err, csv.ErrBareQuote) || errors.Is(pe.Err, csv.ErrQuote)) {
			return nil, int64(pe.StartLine), &rowError{int64(pe.StartLine), fmt.Sprintf("malformed CSV at column %d: %v (a quote inside a field must be doubled, and a quoted field must be closed)", pe.Column, pe.Err)}
		}
		return nil, 0, err
	}
	line, _ := s.r.FieldPos(0)
	if len(rec) != len(s.header) {
		return nil, int64(line), &rowError{int64(line), fmt.Sprintf("expected %d fields as in the header, found %d", len(s.header), len(rec))}
	}
	for i, f := range rec {
		if !utf8.ValidString(f) {
			return nil, int64(line), &rowError{int64(line), fmt.Sprintf("column %s is not valid UTF-8: save the file as UTF-8 (was it exported as Latin-1 or Windows-1252?)", s.header[i])}
		}
	}
	return rec, int64(line), nil
}

// csvFatal reports an error that stops reading the file altogether.
func csvFatal(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if pe.Err == csv.ErrQuote || pe.Err == csv.ErrBareQuote || pe.Err == csv.ErrFieldCount {
			return fault.Errorf(fault.Invalid, "%s line %d column %d: malformed CSV: %v", name, pe.StartLine, pe.Column, pe.Err)
		}
		err = pe.Err
	}
	return readError(name, err)
}
