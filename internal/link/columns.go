package link

import (
	"strings"
	"unsafe"

	"github.com/civiclink/civiclink/internal/fault"
)

// Columns holds a dataset's records column by column: each field
// dictionary-coded (one uint32 per record; each distinct value stored
// once) and the record ids in one byte arena. A record costs 4 bytes per
// field plus its id's bytes, against about 40 bytes per field as []string
// rows, which is what lets millions of records be linked in a few GB.
// Build one with [NewColumns] and [Columns.Append], then call
// [Columns.Done] to drop the dictionaries that appending needs.
type Columns struct {
	ids    []byte
	idEnd  []uint32   // end of record i's id in ids
	codes  [][]uint32 // per field, per record; 0 is missing
	values [][]string // per field, distinct values; values[f][0] is ""
	dict   []map[string]uint32
	// released is set once a linkage dropped the values (ids stay).
	released bool
}

// NewColumns returns empty columns for records of nfields values.
func NewColumns(nfields int) *Columns {
	c := &Columns{codes: make([][]uint32, nfields), values: make([][]string, nfields)}
	for f := range c.values {
		c.values[f] = []string{""}
	}
	return c
}

// Append adds a record. Values are copied the first time they are seen
// (the caller may reuse id's and values' memory); an empty value is
// missing.
func (c *Columns) Append(id string, values []string) error {
	if c.released {
		return fault.Errorf(fault.Invalid, "record %s: these columns' values were released by a linkage: read the dataset again", id)
	}
	if len(values) != len(c.codes) {
		return fault.Errorf(fault.Invalid, "record %s has %d values for %d fields", id, len(values), len(c.codes))
	}
	if len(c.ids)+len(id) > 1<<32-1 {
		return fault.Errorf(fault.Invalid, "record ids of one dataset exceed 4 GB: split the dataset")
	}
	if c.dict == nil {
		c.dict = make([]map[string]uint32, len(c.codes))
		for f, vs := range c.values {
			c.dict[f] = make(map[string]uint32, len(vs))
			for k, v := range vs[1:] {
				c.dict[f][v] = uint32(k + 1)
			}
		}
	}
	c.ids = append(c.ids, id...)
	c.idEnd = append(c.idEnd, uint32(len(c.ids)))
	for f, v := range values {
		var code uint32
		if v != "" {
			var ok bool
			if code, ok = c.dict[f][v]; !ok {
				v = strings.Clone(v)
				code = uint32(len(c.values[f]))
				c.values[f] = append(c.values[f], v)
				c.dict[f][v] = code
			}
		}
		c.codes[f] = append(c.codes[f], code)
	}
	return nil
}

// Done drops the dictionaries appending uses (a later Append rebuilds
// them) and trims spare capacity.
func (c *Columns) Done() {
	c.dict = nil
	c.ids = c.ids[:len(c.ids):len(c.ids)]
}

// release drops the values and their codes, keeping the ids (see
// [Options.ReleaseValues]).
func (c *Columns) release() {
	c.codes, c.values, c.dict, c.released = nil, nil, nil, true
}

// Len returns the number of records.
func (c *Columns) Len() int { return len(c.idEnd) }

// ID returns record i's id. It shares memory with the columns.
func (c *Columns) ID(i int) string {
	from := uint32(0)
	if i > 0 {
		from = c.idEnd[i-1]
	}
	if from == c.idEnd[i] {
		return ""
	}
	return unsafe.String(&c.ids[from], int(c.idEnd[i]-from))
}

// Value returns record i's value of field f ("" when missing, or when
// a linkage with [Options.ReleaseValues] released the values).
func (c *Columns) Value(i, f int) string {
	if c.released {
		return ""
	}
	return c.values[f][c.codes[f][i]]
}

// Len returns the number of records of the dataset.
func (d *Dataset) Len() int {
	if d.Columns != nil {
		return d.Columns.Len()
	}
	return len(d.Records)
}

// ID returns record i's id.
func (d *Dataset) ID(i int) string {
	if d.Columns != nil {
		return d.Columns.ID(i)
	}
	return d.Records[i].ID
}

// Value returns record i's value of field number f.
func (d *Dataset) Value(i, f int) string {
	if d.Columns != nil {
		return d.Columns.Value(i, f)
	}
	return d.Records[i].Values[f]
}
