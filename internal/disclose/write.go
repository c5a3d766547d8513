package disclose

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
)

// PublicStatus is the status as published: "suppressed" for any withheld
// cell (primary and secondary are not told apart, since knowing which is
// which would narrow a primary cell to the small counts), else the status.
func (c OutCell) PublicStatus() string {
	if c.Status.Suppressed() {
		return "suppressed"
	}
	return string(c.Status)
}

// header returns the column names of a written table.
func (r *Result) header() []string {
	h := make([]string, 0, len(r.Dims)+3)
	for _, d := range r.Dims {
		h = append(h, d.Name)
	}
	h = append(h, r.Measure)
	if r.SumName != "" {
		h = append(h, r.SumName, "mean_"+r.SumName)
	}
	return h
}

// values returns a cell's written values after its levels.
func (r *Result) values(c OutCell) []string {
	v := []string{c.Display()}
	if r.SumName != "" {
		v = append(v, c.DisplaySum(), c.DisplayMean())
	}
	return v
}

// ProtectionHeader names the columns every published CSV ends with: how
// its figures were protected ([Protection.Method]), the threshold and the
// period they cover.
var ProtectionHeader = []string{"protection", "threshold", "reference_period"}

// ProtectionValues returns the values of [ProtectionHeader] for p.
func ProtectionValues(p Protection) []string {
	return []string{p.Method(), strconv.FormatInt(p.Threshold, 10), p.Period}
}

// WriteCSV writes r as CSV: one header row (the dimension names, then the
// measure, then the sum and mean when the table has them, then
// [ProtectionHeader]) and one row per cell, margins with [TotalLevel] as
// their level. Withheld values are written [Confidential].
func WriteCSV(w io.Writer, r *Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(append(r.header(), ProtectionHeader...)); err != nil {
		return err
	}
	prot := ProtectionValues(r.Protection)
	for _, c := range r.Cells {
		row := append(append([]string(nil), c.Levels...), r.values(c)...)
		if err := cw.Write(append(row, prot...)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// jsonTable is the JSON form of a Result.
type jsonTable struct {
	Dimensions []string          `json:"dimensions"`
	Measures   []string          `json:"measures"`
	Symbols    map[string]string `json:"symbols"`
	Protection jsonProtection    `json:"protection"`
	Cells      []jsonCell        `json:"cells"`
}

// jsonProtection is a [Protection] with its footnote.
type jsonProtection struct {
	Protection
	Note string `json:"note"`
}

// ProtectionJSON returns p as published in JSON: its fields and its note.
func ProtectionJSON(p Protection) any { return jsonProtection{Protection: p, Note: p.Note()} }

type jsonCell struct {
	Levels map[string]string `json:"levels"`
	Margin bool              `json:"margin,omitempty"`
	Values map[string]any    `json:"values"`
	Status string            `json:"status"`
}

// WriteJSON writes r as one JSON object: dimension and measure names, the
// symbol legend, and one entry per cell whose values are numbers or, when
// withheld, the string [Confidential].
func WriteJSON(w io.Writer, r *Result) error {
	h := r.header()
	out := jsonTable{
		Dimensions: h[:len(r.Dims)],
		Measures:   h[len(r.Dims):],
		Symbols:    map[string]string{Confidential: "confidential: withheld to protect individuals"},
		Protection: jsonProtection{Protection: r.Protection, Note: r.Protection.Note()},
		Cells:      make([]jsonCell, 0, len(r.Cells)),
	}
	for _, c := range r.Cells {
		jc := jsonCell{Levels: map[string]string{}, Margin: c.Margin, Values: map[string]any{}, Status: c.PublicStatus()}
		for i, d := range r.Dims {
			jc.Levels[d.Name] = c.Levels[i]
		}
		jc.Values[r.Measure] = jsonValue(c, c.Count)
		if r.SumName != "" {
			jc.Values[r.SumName] = jsonValue(c, c.Sum)
			if c.Count > 0 || c.Status.Suppressed() {
				jc.Values["mean_"+r.SumName] = jsonValue(c, roundTenth(c.Mean))
			}
		}
		out.Cells = append(out.Cells, jc)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(out)
}

func jsonValue[T int64 | float64](c OutCell, v T) any {
	if c.Status.Suppressed() {
		return Confidential
	}
	return v
}

func roundTenth(x float64) float64 {
	if x >= 0 {
		return float64(int64(x*10+0.5)) / 10
	}
	return -float64(int64(-x*10+0.5)) / 10
}
