package voice

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// The CSV columns a response file has beside one column per question id.
// session, consent_store and consent_quote are required; the others may
// be left out.
const (
	ColResponseID   = "response_id"
	ColSession      = "session"
	ColDistrict     = "district"
	ColAgeBand      = "age_band"
	ColConsentStore = "consent_store"
	ColConsentQuote = "consent_quote"
	ColCapturedAt   = "captured_at"
)

var reservedColumns = map[string]bool{ColResponseID: true, ColSession: true, ColDistrict: true, ColAgeBand: true,
	ColConsentStore: true, ColConsentQuote: true, ColCapturedAt: true}

var fixedColumns = []string{ColResponseID, ColSession, ColDistrict, ColAgeBand, ColConsentStore, ColConsentQuote, ColCapturedAt}

// MaxImportErrors is how many refused lines an import reports.
const MaxImportErrors = 20

// MaxImportRows caps the responses one file may hold.
const MaxImportRows = 200_000

// ReadCSV reads a response file in the documented shape for programme p:
// a header, then one response per row. It returns every response or, if
// any row is refused, an error naming each refused line and why (up to
// [MaxImportErrors]) and no responses. Messages never quote free text.
func ReadCSV(p *Programme, d Districts, r io.Reader, by string, now time.Time) ([]*Response, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fault.FieldErrorf(fault.Invalid, "file", "line 1: cannot read the header: %s", csvReason(err))
	}
	cols, err := p.header(head)
	if err != nil {
		return nil, err
	}
	var out []*Response
	var bad []string
	rows, seen := 0, map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line := 0
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			line = pe.StartLine
		} else if err == nil {
			line, _ = cr.FieldPos(0)
		}
		rows++
		if rows > MaxImportRows {
			return nil, fault.FieldErrorf(fault.Invalid, "file", "the file has more than %d responses: split it", MaxImportRows)
		}
		var resp *Response
		if err == nil {
			resp, err = p.row(cols, rec, d, by, now)
		}
		if err == nil && resp.ID != "" {
			if first, dup := seen[resp.ID]; dup {
				err = fmt.Errorf("response id %q repeats line %d", clip(resp.ID), first)
			}
			seen[resp.ID] = line
		}
		if err != nil {
			if len(bad) < MaxImportErrors {
				bad = append(bad, fmt.Sprintf("line %d: %s", line, csvReason(err)))
			}
			continue
		}
		out = append(out, resp)
	}
	if len(bad) > 0 {
		return nil, fault.FieldErrorf(fault.Invalid, "file", "%d of %d rows refused, nothing imported:\n%s", rows-len(out), rows, strings.Join(bad, "\n"))
	}
	if rows == 0 {
		return nil, fault.FieldErrorf(fault.Invalid, "file", "the file has a header but no responses")
	}
	return out, nil
}

func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return fault.Message(err)
}

// header checks the header row: the required columns, and no column that
// is neither a known one nor a question (an unknown column, e.g. "email",
// may hold what must not be stored).
func (p *Programme) header(head []string) (map[string]int, error) {
	cols := map[string]int{}
	for i, h := range head {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if _, dup := cols[h]; dup {
			return nil, fault.FieldErrorf(fault.Invalid, "file", "line 1: column %q appears twice", clip(h))
		}
		if _, ok := p.Question(h); !ok && !reservedColumns[h] {
			return nil, fault.FieldErrorf(fault.Invalid, "file", "line 1: column %q is neither a response column nor a question of programme %s; remove it (it may hold personal data)", clip(h), p.ID)
		}
		cols[h] = i
	}
	for _, need := range []string{ColSession, ColConsentStore, ColConsentQuote} {
		if _, ok := cols[need]; !ok {
			return nil, fault.FieldErrorf(fault.Invalid, "file", "line 1: the %s column is missing: every response must record it", need)
		}
	}
	return cols, nil
}

// row turns one record into a response.
func (p *Programme) row(cols map[string]int, rec []string, d Districts, by string, now time.Time) (*Response, error) {
	get := func(c string) string {
		if i, ok := cols[c]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	in := Input{ID: strings.TrimSpace(get(ColResponseID)), SessionID: strings.TrimSpace(get(ColSession)),
		District: strings.TrimSpace(get(ColDistrict)), AgeBand: strings.TrimSpace(get(ColAgeBand)), Answers: map[string]string{}}
	var err error
	if in.ConsentStore, err = parseConsent(ColConsentStore, get(ColConsentStore)); err != nil {
		return nil, err
	}
	if in.ConsentQuote, err = parseConsent(ColConsentQuote, get(ColConsentQuote)); err != nil {
		return nil, err
	}
	if s := strings.TrimSpace(get(ColCapturedAt)); s != "" {
		if in.CapturedAt, err = time.Parse(time.RFC3339, s); err != nil {
			return nil, fault.FieldErrorf(fault.Invalid, ColCapturedAt, "captured_at %q is not a time like 2026-07-01T18:30:00Z", clip(s))
		}
	}
	for _, q := range p.Questions {
		if i, ok := cols[q.ID]; ok && i < len(rec) {
			in.Answers[q.ID] = rec[i]
		}
	}
	return p.build(in, d, by, now)
}

func parseConsent(col, v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "yes", "y", "true", "1":
		return true, nil
	case "no", "n", "false", "0":
		return false, nil
	}
	return false, fault.FieldErrorf(fault.Invalid, col, "%s must be yes or no (got %q)", col, clip(v))
}

// WriteCSV writes rs in the shape [ReadCSV] reads: an export re-imports.
// Free text is written as stored, redacted.
func WriteCSV(w io.Writer, p *Programme, rs []*Response) error {
	cw := csv.NewWriter(w)
	head := append([]string(nil), fixedColumns...)
	for _, q := range p.Questions {
		head = append(head, q.ID)
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, r := range rs {
		rec := []string{r.ID, r.SessionID, r.District, r.AgeBand, yesNo(r.ConsentStore), yesNo(r.ConsentQuote), r.CapturedAt.UTC().Format(time.RFC3339)}
		for _, q := range p.Questions {
			a, _ := r.Answer(q.ID)
			if q.Kind == FreeText {
				rec = append(rec, a.Text.String())
			} else {
				rec = append(rec, a.Option)
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
