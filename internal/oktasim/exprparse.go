package oktasim

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// parseExpression parses a filter or search expression.
func parseExpression(s string) (expr, error) {
	if len(s) > maxExprLen {
		return nil, fmt.Errorf("expression longer than %d characters", maxExprLen)
	}
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("expression is not valid UTF-8")
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	e, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("unexpected %s at offset %d", p.toks[p.pos].describe(), p.toks[p.pos].off)
	}
	return e, nil
}

type tokKind int

const (
	tokWord tokKind = iota
	tokString
	tokLParen
	tokRParen
)

type token struct {
	kind tokKind
	text string
	off  int
}

func (t token) describe() string {
	switch t.kind {
	case tokLParen:
		return `"("`
	case tokRParen:
		return `")"`
	case tokString:
		return "string " + strconv.Quote(t.text)
	}
	return strconv.Quote(t.text)
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '-' || c == '+' || c == ':' || c == '$'
}

func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{kind: tokLParen, off: i})
			i++
		case c == ')':
			toks = append(toks, token{kind: tokRParen, off: i})
			i++
		case c == '"':
			start := i
			i++
			var b strings.Builder
			closed := false
			for i < len(s) {
				ch := s[i]
				if ch == '\\' {
					if i+1 >= len(s) {
						return nil, fmt.Errorf("unterminated escape at offset %d", i)
					}
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				if ch == '"' {
					closed = true
					i++
					break
				}
				b.WriteByte(ch)
				i++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated string starting at offset %d", start)
			}
			toks = append(toks, token{kind: tokString, text: b.String(), off: start})
		case isWordByte(c):
			start := i
			for i < len(s) && isWordByte(s[i]) {
				i++
			}
			toks = append(toks, token{kind: tokWord, text: s[start:i], off: start})
		default:
			return nil, fmt.Errorf("unexpected character %q at offset %d", c, i)
		}
		if len(toks) > 4*maxExprTerms {
			return nil, fmt.Errorf("expression has too many terms")
		}
	}
	return toks, nil
}

type parser struct {
	toks  []token
	pos   int
	terms int
}

func (p *parser) peekKeyword(kw string) bool {
	return p.pos < len(p.toks) && p.toks[p.pos].kind == tokWord && strings.EqualFold(p.toks[p.pos].text, kw)
}

func (p *parser) expr(depth int) (expr, error) {
	l, err := p.term(depth)
	if err != nil {
		return nil, err
	}
	for p.peekKeyword("or") {
		p.pos++
		r, err := p.term(depth)
		if err != nil {
			return nil, err
		}
		l = &orExpr{l, r}
	}
	return l, nil
}

func (p *parser) term(depth int) (expr, error) {
	l, err := p.factor(depth)
	if err != nil {
		return nil, err
	}
	for p.peekKeyword("and") {
		p.pos++
		r, err := p.factor(depth)
		if err != nil {
			return nil, err
		}
		l = &andExpr{l, r}
	}
	return l, nil
}

var operators = map[string]bool{"eq": true, "sw": true, "co": true, "gt": true, "ge": true, "lt": true, "le": true}

func (p *parser) factor(depth int) (expr, error) {
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("expression ends where a comparison was expected")
	}
	t := p.toks[p.pos]
	if t.kind == tokLParen {
		if depth >= maxExprDepth {
			return nil, fmt.Errorf("parentheses nested deeper than %d", maxExprDepth)
		}
		p.pos++
		e, err := p.expr(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.pos >= len(p.toks) || p.toks[p.pos].kind != tokRParen {
			return nil, fmt.Errorf("missing \")\" for \"(\" at offset %d", t.off)
		}
		p.pos++
		return e, nil
	}
	if t.kind != tokWord || isKeyword(t.text) || !isAttrName(t.text) {
		return nil, fmt.Errorf("expected an attribute name at offset %d, found %s", t.off, t.describe())
	}
	p.terms++
	if p.terms > maxExprTerms {
		return nil, fmt.Errorf("expression has more than %d comparisons", maxExprTerms)
	}
	p.pos++
	if p.pos >= len(p.toks) || p.toks[p.pos].kind != tokWord {
		return nil, fmt.Errorf("expected an operator after %q", t.text)
	}
	opTok := p.toks[p.pos]
	op := strings.ToLower(opTok.text)
	if !operators[op] {
		return nil, fmt.Errorf("unsupported operator %q at offset %d", opTok.text, opTok.off)
	}
	p.pos++
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("expected a value after %q %s", t.text, op)
	}
	vt := p.toks[p.pos]
	p.pos++
	c := &cmpExpr{attr: t.text, op: op}
	switch vt.kind {
	case tokString:
		c.val = literal{kind: litString, s: vt.text}
	case tokWord:
		switch strings.ToLower(vt.text) {
		case "true", "false":
			c.val = literal{kind: litBool, b: strings.EqualFold(vt.text, "true")}
		default:
			n, err := strconv.ParseFloat(vt.text, 64)
			if err != nil {
				return nil, fmt.Errorf("invalid value %q at offset %d: strings must be quoted", vt.text, vt.off)
			}
			c.val = literal{kind: litNumber, n: n}
		}
	default:
		return nil, fmt.Errorf("expected a value at offset %d, found %s", vt.off, vt.describe())
	}
	return c, nil
}

func isKeyword(w string) bool {
	w = strings.ToLower(w)
	return w == "and" || w == "or" || w == "not" || operators[w]
}

// isAttrName accepts dotted names of letters, digits, '_' and '$', each part
// starting with a letter, '_' or '$'.
func isAttrName(w string) bool {
	for part := range strings.SplitSeq(w, ".") {
		if part == "" {
			return false
		}
		c := part[0]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$') {
			return false
		}
		for i := 1; i < len(part); i++ {
			c := part[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$') {
				return false
			}
		}
	}
	return true
}
