package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// jsonlSource reads JSON Lines: one object per line, keys naming columns.
// Its header is the schema's column names; keys are matched ignoring case.
type jsonlSource struct {
	br     *bufio.Reader
	header []string
	index  map[string]int
	line   int64
	fields []string
}

func newJSONLSource(r io.Reader, columns []string) *jsonlSource {
	idx := make(map[string]int, len(columns))
	for i, c := range columns {
		idx[strings.ToLower(c)] = i
	}
	return &jsonlSource{br: bufio.NewReaderSize(r, 256<<10), header: columns, index: idx, fields: make([]string, len(columns))}
}

func (s *jsonlSource) Header() []string { return s.header }

func (s *jsonlSource) Next() ([]string, int64, error) {
	for {
		b, err := s.br.ReadBytes('\n')
		if len(b) == 0 && err != nil {
			return nil, 0, err
		}
		s.line++
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			if err != nil {
				return nil, 0, err
			}
			continue
		}
		return s.parse(b)
	}
}

func (s *jsonlSource) parse(b []byte) ([]string, int64, error) {
	if !utf8.Valid(b) {
		return nil, s.line, &rowError{s.line, "not valid UTF-8: save the file as UTF-8"}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return nil, s.line, &rowError{s.line, fmt.Sprintf("not a JSON object: %v", err)}
	}
	for i := range s.fields {
		s.fields[i] = ""
	}
	for k, raw := range obj {
		i, ok := s.index[strings.ToLower(k)]
		if !ok {
			return nil, s.line, &rowError{s.line, fmt.Sprintf("unknown field %q: the schema does not declare it", k)}
		}
		v, err := jsonScalar(raw)
		if err != nil {
			return nil, s.line, &rowError{s.line, fmt.Sprintf("field %q: %v", k, err)}
		}
		s.fields[i] = v
	}
	return s.fields, s.line, nil
}

// jsonScalar renders a JSON scalar as text; null is empty.
func jsonScalar(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	switch raw[0] {
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case '{', '[':
		return "", fmt.Errorf("nested objects and arrays are not supported: flatten the record")
	case 't', 'f':
		b, err := strconv.ParseBool(string(raw))
		return strconv.FormatBool(b), err
	}
	return string(raw), nil
}
