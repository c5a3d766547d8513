package ingest

import (
	"fmt"
	"io"
	"math/big"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/civiclink/civiclink/internal/fault"
)

// parquetSource reads a flat Parquet file, rendering each value as the text
// the typed converters accept (dates as YYYY-MM-DD, timestamps as RFC 3339).
type parquetSource struct {
	r       *parquet.Reader
	header  []string
	render  []func(parquet.Value) string
	buf     []parquet.Row
	n, i    int
	row     int64
	fields  []string
	counter *counter
	size    int64
}

func newParquetSource(f *os.File, name string) (*parquetSource, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, readError(name, err)
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "%s is not a readable Parquet file: %v", name, err)
	}
	s := &parquetSource{r: parquet.NewReader(pf), buf: make([]parquet.Row, 512)}
	for _, path := range pf.Schema().Columns() {
		if len(path) != 1 {
			return nil, fault.Errorf(fault.Invalid, "%s: nested Parquet column %s is not supported: flatten the file", name, strings.Join(path, "."))
		}
		leaf, _ := pf.Schema().Lookup(path...)
		if leaf.MaxRepetitionLevel > 0 {
			return nil, fault.Errorf(fault.Invalid, "%s: repeated Parquet column %s is not supported", name, path[0])
		}
		s.header = append(s.header, path[0])
		s.render = append(s.render, parquetRenderer(leaf.Node.Type()))
	}
	s.fields = make([]string, len(s.header))
	return s, nil
}

// parquetRenderer returns how to show one column's values as text.
func parquetRenderer(t parquet.Type) func(parquet.Value) string {
	if lt := t.LogicalType(); lt != nil {
		switch v := lt.Value.(type) {
		case *format.DateType:
			return func(x parquet.Value) string {
				return time.Unix(int64(x.Int32())*86400, 0).UTC().Format("2006-01-02")
			}
		case *format.TimestampType:
			unit := v.Unit.Value.Duration()
			return func(x parquet.Value) string {
				return time.Unix(0, x.Int64()*int64(unit)).UTC().Format(time.RFC3339Nano)
			}
		case *format.DecimalType:
			scale := int(v.Scale)
			return func(x parquet.Value) string { return decimalText(x, scale) }
		}
	}
	return func(x parquet.Value) string {
		switch x.Kind() {
		case parquet.Boolean:
			return strconv.FormatBool(x.Boolean())
		case parquet.Int32:
			return strconv.FormatInt(int64(x.Int32()), 10)
		case parquet.Int64:
			return strconv.FormatInt(x.Int64(), 10)
		case parquet.Float:
			return strconv.FormatFloat(float64(x.Float()), 'g', -1, 32)
		case parquet.Double:
			return strconv.FormatFloat(x.Double(), 'g', -1, 64)
		}
		return string(x.ByteArray())
	}
}

// decimalText renders a Parquet DECIMAL (an unscaled integer) as text.
func decimalText(x parquet.Value, scale int) string {
	var n big.Int
	switch x.Kind() {
	case parquet.Int32:
		n.SetInt64(int64(x.Int32()))
	case parquet.Int64:
		n.SetInt64(x.Int64())
	default:
		b := x.ByteArray()
		n.SetBytes(b)
		if len(b) > 0 && b[0]&0x80 != 0 { // two's complement, negative
			n.Sub(&n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
		}
	}
	r := new(big.Rat).SetFrac(&n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
	return r.FloatString(scale)
}

func (s *parquetSource) Header() []string { return s.header }

func (s *parquetSource) Next() ([]string, int64, error) {
	if s.i == s.n {
		n, err := s.r.ReadRows(s.buf)
		if n == 0 {
			if err == nil {
				err = io.EOF
			}
			return nil, 0, err
		}
		s.n, s.i = n, 0
	}
	row := s.buf[s.i]
	s.i++
	s.row++
	for i := range s.fields {
		s.fields[i] = ""
	}
	for _, v := range row {
		c := v.Column()
		if c < 0 || c >= len(s.fields) {
			return nil, s.row, &rowError{s.row, fmt.Sprintf("value for unknown column %d", c)}
		}
		if !v.IsNull() {
			s.fields[c] = s.render[c](v)
		}
	}
	return s.fields, s.row, nil
}
