package expr

import (
	"strings"
	"unicode"

	"github.com/civiclink/civiclink/internal/fault"
)

// MaxLength caps an expression's length, and MaxDepth its nesting.
const (
	MaxLength = 4096
	MaxDepth  = 64
)

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber
	tOp
	tLParen
	tRParen
	tComma
)

type token struct {
	kind tokKind
	text string
	pos  int // 1-based character position
}

func lex(s string) ([]token, error) {
	var toks []token
	r := []rune(s)
	for i := 0; i < len(r); {
		c := r[i]
		start := i + 1
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '(':
			toks, i = append(toks, token{tLParen, "(", start}), i+1
		case c == ')':
			toks, i = append(toks, token{tRParen, ")", start}), i+1
		case c == ',':
			toks, i = append(toks, token{tComma, ",", start}), i+1
		case c == '\'' || c == '"':
			text, next, ok := lexString(r, i)
			if !ok {
				return nil, syntaxErr(start, "a string opened here is never closed")
			}
			toks, i = append(toks, token{tString, text, start}), next
		case strings.ContainsRune("=!<>", c):
			op := string(c)
			if i+1 < len(r) && (r[i+1] == '=' || (c == '<' && r[i+1] == '>')) {
				op += string(r[i+1])
			}
			if op == "!" {
				return nil, syntaxErr(start, "'!' must be followed by '=': use != or NOT")
			}
			if op == "==" {
				op = "="
				i++
			}
			toks, i = append(toks, token{tOp, op, start}), i+len([]rune(op))
		case unicode.IsDigit(c) || ((c == '-' || c == '.') && i+1 < len(r) && unicode.IsDigit(r[i+1])):
			j := i + 1
			for j < len(r) && (unicode.IsDigit(r[j]) || r[j] == '.' || r[j] == 'e' || r[j] == 'E') {
				j++
			}
			toks, i = append(toks, token{tNumber, string(r[i:j]), start}), j
		case unicode.IsLetter(c) || c == '_':
			j := i + 1
			for j < len(r) && (unicode.IsLetter(r[j]) || unicode.IsDigit(r[j]) || r[j] == '_') {
				j++
			}
			toks, i = append(toks, token{tIdent, string(r[i:j]), start}), j
		default:
			return nil, syntaxErr(start, "unexpected character %q", c)
		}
	}
	return append(toks, token{tEOF, "", len(r) + 1}), nil
}

// lexString reads a quoted string starting at r[i]; a doubled quote stands
// for itself.
func lexString(r []rune, i int) (string, int, bool) {
	q := r[i]
	var b strings.Builder
	for j := i + 1; j < len(r); j++ {
		if r[j] == q {
			if j+1 < len(r) && r[j+1] == q {
				b.WriteRune(q)
				j++
				continue
			}
			return b.String(), j + 1, true
		}
		b.WriteRune(r[j])
	}
	return "", 0, false
}

func syntaxErr(pos int, format string, args ...any) error {
	e := fault.Errorf(fault.Invalid, format, args...)
	e.Message = "filter expression, at character " + itoa(pos) + ": " + e.Message
	return e
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// Parse parses an expression. The error names the character position and
// what was expected there.
func Parse(s string) (Node, error) {
	if len(s) > MaxLength {
		return nil, fault.Errorf(fault.Invalid, "filter expression is longer than %d characters", MaxLength)
	}
	if strings.TrimSpace(s) == "" {
		return nil, fault.Errorf(fault.Invalid, "filter expression is empty")
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	n, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, syntaxErr(t.pos, "unexpected %s: expected AND, OR or the end", describe(t))
	}
	return n, nil
}

type parser struct {
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

func (p *parser) keyword(word string) bool {
	t := p.peek()
	if t.kind == tIdent && strings.EqualFold(t.text, word) {
		p.i++
		return true
	}
	return false
}

func (p *parser) or(depth int) (Node, error) {
	left, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.keyword("OR") {
		right, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		left = &Or{left, right}
	}
	return left, nil
}

func (p *parser) and(depth int) (Node, error) {
	left, err := p.not(depth)
	if err != nil {
		return nil, err
	}
	for p.keyword("AND") {
		right, err := p.not(depth)
		if err != nil {
			return nil, err
		}
		left = &And{left, right}
	}
	return left, nil
}

func (p *parser) not(depth int) (Node, error) {
	if depth > MaxDepth {
		return nil, syntaxErr(p.peek().pos, "nested more than %d deep", MaxDepth)
	}
	if p.keyword("NOT") {
		x, err := p.not(depth + 1)
		if err != nil {
			return nil, err
		}
		return &Not{x}, nil
	}
	return p.primary(depth)
}

func (p *parser) primary(depth int) (Node, error) {
	t := p.next()
	switch t.kind {
	case tLParen:
		n, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tRParen {
			return nil, syntaxErr(c.pos, "expected ')' to close the '(' at character %d, found %s", t.pos, describe(c))
		}
		return n, nil
	case tIdent:
		if isKeyword(t.text) {
			return nil, syntaxErr(t.pos, "expected a column name, found the keyword %s", strings.ToUpper(t.text))
		}
		return p.predicate(t.text)
	}
	return nil, syntaxErr(t.pos, "expected a column name or '(', found %s", describe(t))
}

func (p *parser) predicate(col string) (Node, error) {
	if p.keyword("IS") {
		not := p.keyword("NOT")
		if !p.keyword("NULL") {
			return nil, syntaxErr(p.peek().pos, "expected NULL after IS")
		}
		return &IsNull{Column: col, Not: not}, nil
	}
	not := p.keyword("NOT")
	if p.keyword("IN") {
		vals, err := p.list()
		if err != nil {
			return nil, err
		}
		return &In{Column: col, Not: not, Values: vals}, nil
	}
	if not {
		return nil, syntaxErr(p.peek().pos, "expected IN after NOT")
	}
	t := p.next()
	if t.kind != tOp {
		return nil, syntaxErr(t.pos, "expected a comparison (=, !=, <, <=, >, >=), IN or IS after %s, found %s", col, describe(t))
	}
	op := Op(t.text)
	if op == "<>" {
		op = Ne
	}
	v, err := p.literal()
	if err != nil {
		return nil, err
	}
	return &Compare{Column: col, Op: op, Value: v}, nil
}

func (p *parser) list() ([]*Literal, error) {
	if t := p.next(); t.kind != tLParen {
		return nil, syntaxErr(t.pos, "expected '(' to start the IN list, found %s", describe(t))
	}
	var vals []*Literal
	for {
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		t := p.next()
		if t.kind == tRParen {
			return vals, nil
		}
		if t.kind != tComma {
			return nil, syntaxErr(t.pos, "expected ',' or ')' in the IN list, found %s", describe(t))
		}
	}
}

func (p *parser) literal() (*Literal, error) {
	t := p.next()
	switch t.kind {
	case tString:
		return &Literal{Kind: LitString, Text: t.text}, nil
	case tNumber:
		return &Literal{Kind: LitNumber, Text: t.text}, nil
	case tIdent:
		if strings.EqualFold(t.text, "true") || strings.EqualFold(t.text, "false") {
			return &Literal{Kind: LitBool, Text: strings.ToLower(t.text)}, nil
		}
		return nil, syntaxErr(t.pos, "expected a value, found the name %s: quote text values, e.g. '%s'", t.text, t.text)
	}
	return nil, syntaxErr(t.pos, "expected a value (a 'quoted string', a number, true or false), found %s", describe(t))
}

func isKeyword(s string) bool {
	switch strings.ToUpper(s) {
	case "AND", "OR", "NOT", "IN", "IS", "NULL":
		return true
	}
	return false
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "the end"
	case tString:
		return "the string '" + t.text + "'"
	}
	return "'" + t.text + "'"
}
