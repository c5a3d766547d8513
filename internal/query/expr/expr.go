// Package expr is the small filter language of ad-hoc queries:
//
//	crime_type IN ('violence', 'theft') AND NOT domestic_abuse = false
//	age >= 10 AND age <= 17 OR (district = 'E07000070' AND occurred_on >= '2024-01-01')
//
// Comparisons (= != <> < <= > >=), IN and NOT IN lists, IS [NOT] NULL,
// AND, OR, NOT and parentheses, over the declared columns of one dataset.
// An expression is parsed into a tree and checked against the schema, which
// turns every literal into a value of its column's type; it is never pasted
// into SQL text. The store compiles the tree into a parameterised query.
package expr

import (
	"fmt"
	"strings"
)

// Node is a boolean expression.
type Node interface {
	// String renders the node in the language's own syntax, canonically.
	String() string
	node()
}

// Op is a comparison operator.
type Op string

// The comparison operators.
const (
	Eq Op = "="
	Ne Op = "!="
	Lt Op = "<"
	Le Op = "<="
	Gt Op = ">"
	Ge Op = ">="
)

// LitKind is the lexical kind of a literal.
type LitKind int

// Literal kinds as written.
const (
	LitString LitKind = iota
	LitNumber
	LitBool
)

// Literal is a value as written; Check fills Value with the typed value
// (string, int64, float64, bool or time.Time) for its column.
type Literal struct {
	Kind  LitKind
	Text  string
	Value any
}

func (l *Literal) String() string {
	if l.Kind == LitString {
		return "'" + strings.ReplaceAll(l.Text, "'", "''") + "'"
	}
	return l.Text
}

// Compare is `column op literal`.
type Compare struct {
	Column string
	Op     Op
	Value  *Literal
}

// In is `column [NOT] IN (literal, …)`.
type In struct {
	Column string
	Not    bool
	Values []*Literal
}

// IsNull is `column IS [NOT] NULL`.
type IsNull struct {
	Column string
	Not    bool
}

// And is `left AND right`.
type And struct{ Left, Right Node }

// Or is `left OR right`.
type Or struct{ Left, Right Node }

// Not is `NOT x`.
type Not struct{ X Node }

func (*Compare) node() {}
func (*In) node()      {}
func (*IsNull) node()  {}
func (*And) node()     {}
func (*Or) node()      {}
func (*Not) node()     {}

func (c *Compare) String() string { return fmt.Sprintf("%s %s %s", c.Column, c.Op, c.Value) }

func (n *In) String() string {
	vs := make([]string, len(n.Values))
	for i, v := range n.Values {
		vs[i] = v.String()
	}
	not := ""
	if n.Not {
		not = "NOT "
	}
	return fmt.Sprintf("%s %sIN (%s)", n.Column, not, strings.Join(vs, ", "))
}

func (n *IsNull) String() string {
	if n.Not {
		return n.Column + " IS NOT NULL"
	}
	return n.Column + " IS NULL"
}

func (n *And) String() string { return "(" + n.Left.String() + " AND " + n.Right.String() + ")" }
func (n *Or) String() string  { return "(" + n.Left.String() + " OR " + n.Right.String() + ")" }
func (n *Not) String() string { return "NOT " + n.X.String() }

// Columns returns the columns an expression reads, in first-use order.
func Columns(n Node) []string {
	var out []string
	seen := map[string]bool{}
	add := func(c string) {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	var walk func(Node)
	walk = func(n Node) {
		switch x := n.(type) {
		case *Compare:
			add(x.Column)
		case *In:
			add(x.Column)
		case *IsNull:
			add(x.Column)
		case *And:
			walk(x.Left)
			walk(x.Right)
		case *Or:
			walk(x.Left)
			walk(x.Right)
		case *Not:
			walk(x.X)
		}
	}
	if n != nil {
		walk(n)
	}
	return out
}
