package govern

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode"

	"github.com/civiclink/civiclink/internal/fault"
)

// AllPurposes is the opt-out scope that covers every purpose.
const AllPurposes = "*"

// OptOuts is a batch of per-record opt-out markers on one dataset: the
// records are excluded from every read for the purposes listed.
type OptOuts struct {
	Dataset  string
	Purposes []string // purpose ids, or [AllPurposes]
	Records  []string
	Source   string // e.g. "national data opt-out 2026-11"
}

// maxRecordID bounds one record id in an opt-out file.
const maxRecordID = 256

// ParseOptOutIDs reads record ids from a CSV file: the first column of each
// row, an optional header (record_id, id or record-id) skipped, blank lines
// ignored, repeats dropped. Ids are trimmed and must be printable.
func ParseOptOutIDs(r io.Reader) ([]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	seen := map[string]bool{}
	var out []string
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fault.Errorf(fault.Invalid, "opt-out file: %v", err)
		}
		id := strings.TrimSpace(strings.TrimPrefix(rec[0], "\ufeff"))
		if id == "" || (line == 1 && isIDHeader(id)) {
			continue
		}
		if len(id) > maxRecordID || strings.IndexFunc(id, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
			return nil, fault.Errorf(fault.Invalid, "opt-out file line %d: %q is not a record id (printable, at most %d bytes)", line, id, maxRecordID)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return nil, fault.Errorf(fault.Invalid, "opt-out file has no record ids: put one id per line, the dataset's record-id values")
	}
	return out, nil
}

func isIDHeader(s string) bool {
	switch strings.ToLower(s) {
	case "record_id", "record-id", "id", "recordid":
		return true
	}
	return false
}

// Validate checks a batch against the purpose register.
func (o *OptOuts) Validate(purposes Purposes) error {
	if o.Dataset == "" {
		return fault.FieldErrorf(fault.Invalid, "dataset", "opt-outs need a dataset")
	}
	if len(o.Purposes) == 0 {
		return fault.FieldErrorf(fault.Invalid, "purposes", "opt-outs need the purposes they cover: purpose ids, or '*' for all")
	}
	for _, p := range o.Purposes {
		if p == AllPurposes {
			continue
		}
		if _, err := purposes.Lookup(p); err != nil {
			return err
		}
	}
	if len(o.Records) == 0 {
		return fault.Errorf(fault.Invalid, "opt-outs name no records")
	}
	return nil
}
