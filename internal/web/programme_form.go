package web

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/programme"
)

// The programme's edit forms (projects with their deliverables and
// measures, and claims with their figures) share one shape: named inputs
// whose names are the fields the programme's validation names
// ("deliverables[1].due"), so a refusal's problems land beside the input
// they are about, and the form is shown again with everything typed.

// formField is one input: what was typed and the problem with it.
type formField struct {
	Name, Label, Value, Hint string
	// Type is text, date, number, textarea or select.
	Type     string
	Options  []choice
	Required bool
	ReadOnly bool
	Error    string
}

// ID is the input's element id.
func (f formField) ID() string { return "f-" + idSafe.ReplaceAllString(f.Name, "-") }

var idSafe = regexp.MustCompile(`[^a-zA-Z0-9_-]+`)

// formRow is one repeated item (a deliverable, a measure, a figure).
type formRow struct {
	Legend string
	// Remove is the name of the row's remove box ("" for the blank row).
	Remove  string
	Removed bool
	Fields  []formField
}

// formSection is a list of repeated items with a blank row to add one.
type formSection struct {
	Name, Title, Hint string
	Count             int
	Error             string
	Rows              []formRow
}

// checkGroup is a group of checkboxes (a project's sponsors).
type checkGroup struct {
	Name, Legend, Error string
	Options             []choice
}

// editForm is a whole edit form as the page shows it.
type editForm struct {
	Heading, Action, Cancel, Submit string
	Fields                          []formField
	Checks                          *checkGroup
	Sections                        []formSection
	// Problems lists every problem, each with the id of its input.
	Problems []formProblem
}

// formProblem is one problem in the summary at the top of the form.
type formProblem struct{ Target, Message string }

// fieldErrors maps each refused field to its message. rows maps a list's
// item index in what was saved to its row in the form ("deliverables" →
// [0, 2] when row 1 was removed), so the message lands beside the row the
// user typed. An error that is not field by field is under "".
func fieldErrors(err error, rows map[string][]int) map[string]string {
	out := map[string]string{}
	var ps programme.Problems
	if !errors.As(err, &ps) {
		out[fault.Field(err)] = fault.Message(err)
		return out
	}
	for _, p := range ps {
		out[formName(p.Field, rows)] = p.Message
	}
	return out
}

var itemRE = regexp.MustCompile(`^([a-z]+)\[(\d+)\](.*)$`)

// formName turns a validation field ("measures[0].title") into the name of
// the input it is about in the form.
func formName(field string, rows map[string][]int) string {
	m := itemRE.FindStringSubmatch(field)
	if m == nil {
		return field
	}
	i, _ := strconv.Atoi(m[2])
	if rs, ok := rows[m[1]]; ok && i < len(rs) {
		i = rs[i]
	}
	return fmt.Sprintf("%s[%d]%s", m[1], i, m[3])
}

// place puts each error beside its input; what fits no input goes to the
// section or group it names (sponsors[1] → sponsors), and every problem
// is listed at the top.
func (f *editForm) place(errs map[string]string) {
	used := map[string]bool{}
	set := func(fs []formField) {
		for i := range fs {
			if msg, ok := errs[fs[i].Name]; ok {
				fs[i].Error, used[fs[i].Name] = msg, true
				f.Problems = append(f.Problems, formProblem{fs[i].ID(), fs[i].Label + ": " + msg})
			}
		}
	}
	set(f.Fields)
	for si := range f.Sections {
		for ri := range f.Sections[si].Rows {
			set(f.Sections[si].Rows[ri].Fields)
		}
	}
	for name, msg := range errs {
		if used[name] {
			continue
		}
		group, _, _ := strings.Cut(name, "[")
		target := "form-top"
		switch {
		case f.Checks != nil && group == f.Checks.Name:
			f.Checks.Error = joinMsg(f.Checks.Error, msg)
			target = "f-" + f.Checks.Name
		default:
			for si := range f.Sections {
				if f.Sections[si].Name == group {
					f.Sections[si].Error = joinMsg(f.Sections[si].Error, msg)
					target = "s-" + group
				}
			}
		}
		f.Problems = append(f.Problems, formProblem{target, msg})
	}
}

func joinMsg(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// rowValues reads a list's rows from a form: the count posted, the rows
// kept (not removed, not left blank) with their form index.
func rowValues(v url.Values, list string, names []string) (kept []int, get func(row int, name string) string) {
	get = func(row int, name string) string {
		return strings.TrimSpace(v.Get(fmt.Sprintf("%s[%d].%s", list, row, name)))
	}
	n, _ := strconv.Atoi(v.Get(list + ".count"))
	for i := range min(n, 200) {
		if v.Get(fmt.Sprintf("%s[%d].remove", list, i)) != "" {
			continue
		}
		blank := true
		for _, name := range names {
			if get(i, name) != "" {
				blank = false
			}
		}
		if !blank {
			kept = append(kept, i)
		}
	}
	return kept, get
}

// number parses a form's decimal number: empty is 0, and one that is not
// a number is NaN, which the programme's validation refuses beside its
// field (with everything else wrong in the form).
func number(s string) float64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

// numbers parses a comma-separated list of numbers.
func numbers(s string) []float64 {
	var out []float64
	for _, part := range splitComma(s) {
		out = append(out, number(part))
	}
	return out
}

// options lists values as choices, the one equal to sel selected; a
// value not among them (typed into an old form) is kept as a choice so
// nothing is lost.
func options(values []string, sel string, blank string) []choice {
	var out []choice
	if blank != "" {
		out = append(out, choice{Value: "", Label: blank, Checked: sel == ""})
	}
	found := sel == ""
	for _, v := range values {
		out = append(out, choice{Value: v, Label: v, Checked: v == sel})
		found = found || v == sel
	}
	if !found {
		out = append(out, choice{Value: sel, Label: sel + " (unknown)", Checked: true})
	}
	return out
}
