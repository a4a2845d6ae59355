package oktasim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file holds the parser and evaluator of Okta's filter and search
// expressions, such as
//
//	lastUpdated gt "2013-06-01T00:00:00.000Z" and (status eq "LOCKED_OUT" or status eq "RECOVERY")
//
// Grammar (keywords and operators are case-insensitive):
//
//	expr    = term { "or" term }
//	term    = factor { "and" factor }
//	factor  = "(" expr ")" | attr op value
//	op      = "eq" | "sw" | "co" | "gt" | "ge" | "lt" | "le"
//	value   = string | number | "true" | "false"
//
// Which attributes and operators a given parameter accepts is decided after
// parsing, by exprRules.

const (
	maxExprLen   = 4096 // longer expressions are refused as too complex
	maxExprDepth = 32   // parentheses nested deeper are refused
	maxExprTerms = 200  // more comparisons are refused
)

// expr is a parsed expression.
type expr interface {
	// eval reports whether the object behind get matches.
	eval(get getter, fold foldFunc) bool
	// walk calls f for every comparison.
	walk(f func(*cmpExpr) error) error
}

// foldFunc says whether string comparisons on an attribute ignore case.
type foldFunc func(attr string) bool

func foldAll(string) bool  { return true }
func foldNone(string) bool { return false }

// foldLogin folds only logins, which Okta treats case-insensitively
// everywhere.
func foldLogin(attr string) bool { return attr == "profile.login" }

// getter returns the values of an attribute of the object being matched (an
// array attribute gives several) and whether the attribute is present.
type getter func(attr string) ([]any, bool)

type orExpr struct{ l, r expr }
type andExpr struct{ l, r expr }

// cmpExpr is one comparison: attr op value.
type cmpExpr struct {
	attr string
	op   string
	val  literal
}

type litKind int

const (
	litString litKind = iota
	litNumber
	litBool
)

type literal struct {
	kind litKind
	s    string
	n    float64
	b    bool
}

func (e *orExpr) eval(g getter, fold foldFunc) bool  { return e.l.eval(g, fold) || e.r.eval(g, fold) }
func (e *andExpr) eval(g getter, fold foldFunc) bool { return e.l.eval(g, fold) && e.r.eval(g, fold) }

func (e *orExpr) walk(f func(*cmpExpr) error) error {
	if err := e.l.walk(f); err != nil {
		return err
	}
	return e.r.walk(f)
}

func (e *andExpr) walk(f func(*cmpExpr) error) error {
	if err := e.l.walk(f); err != nil {
		return err
	}
	return e.r.walk(f)
}

func (e *cmpExpr) walk(f func(*cmpExpr) error) error { return f(e) }

func (e *cmpExpr) eval(g getter, fold foldFunc) bool {
	vals, ok := g(e.attr)
	if !ok {
		return false
	}
	for _, v := range vals {
		if e.match(v, fold(e.attr)) {
			return true
		}
	}
	return false
}

// match compares one attribute value with the literal.
func (e *cmpExpr) match(v any, fold bool) bool {
	switch e.val.kind {
	case litBool:
		b, ok := v.(bool)
		return ok && e.op == "eq" && b == e.val.b
	case litNumber:
		var n float64
		switch x := v.(type) {
		case float64:
			n = x
		case int:
			n = float64(x)
		case int64:
			n = float64(x)
		default:
			return false
		}
		return compareOrdered(e.op, cmpFloat(n, e.val.n))
	}
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		s = strconv.FormatBool(x)
	default:
		return false
	}
	want := e.val.s
	if fold {
		s, want = strings.ToLower(s), strings.ToLower(want)
	}
	switch e.op {
	case "sw":
		return strings.HasPrefix(s, want)
	case "co":
		return strings.Contains(s, want)
	}
	return compareOrdered(e.op, strings.Compare(s, want))
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func compareOrdered(op string, c int) bool {
	switch op {
	case "eq":
		return c == 0
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	case "le":
		return c <= 0
	case "sw":
		return c == 0
	}
	return false
}

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

// exprRules says which attributes and operators an expression may use.
type exprRules struct {
	// ops gives the operators allowed on an attribute; nil: unknown attribute.
	ops func(attr string) map[string]bool
	// dates are attributes whose values must be Okta timestamps.
	dates map[string]bool
	// stringsOnly refuses number and boolean values.
	stringsOnly bool
}

func opSet(ops ...string) map[string]bool {
	m := make(map[string]bool, len(ops))
	for _, o := range ops {
		m[o] = true
	}
	return m
}

var (
	opsEq      = opSet("eq")
	opsOrdered = opSet("eq", "gt", "ge", "lt", "le")
	opsSearch  = opSet("eq", "sw", "gt", "ge", "lt", "le")
	opsSearchC = opSet("eq", "sw", "co", "gt", "ge", "lt", "le")
)

// check validates a parsed expression against the rules.
func (rules exprRules) check(e expr) error {
	return e.walk(func(c *cmpExpr) error {
		ops := rules.ops(c.attr)
		if ops == nil {
			return fmt.Errorf("attribute %q is not supported here", c.attr)
		}
		if !ops[c.op] {
			return fmt.Errorf("operator %q is not supported on %q", c.op, c.attr)
		}
		if rules.stringsOnly && c.val.kind != litString {
			return fmt.Errorf("value for %q must be a quoted string", c.attr)
		}
		if rules.dates[c.attr] {
			if c.val.kind != litString {
				return fmt.Errorf("value for %q must be a quoted timestamp", c.attr)
			}
			if _, err := time.Parse(timeLayout, c.val.s); err != nil {
				return fmt.Errorf("value for %q must be a timestamp like 2013-06-01T00:00:00.000Z", c.attr)
			}
		}
		return nil
	})
}

var userDates = map[string]bool{"lastUpdated": true, "created": true, "activated": true, "statusChanged": true}

var userFilterRules = exprRules{
	ops: func(a string) map[string]bool {
		switch a {
		case "status", "id", "profile.login", "profile.email", "profile.firstName", "profile.lastName":
			return opsEq
		case "lastUpdated":
			return opsOrdered
		}
		return nil
	},
	dates:       map[string]bool{"lastUpdated": true},
	stringsOnly: true,
}

var userSearchRules = exprRules{
	ops: func(a string) map[string]bool {
		switch a {
		case "profile.firstName", "profile.lastName", "profile.email", "profile.login":
			return opsSearchC
		case "id", "status", "created", "activated", "statusChanged", "lastUpdated", "type.id":
			return opsSearch
		}
		if strings.HasPrefix(a, "profile.") {
			return opsSearch
		}
		return nil
	},
	dates: userDates,
}

var groupDates = map[string]bool{"lastUpdated": true, "lastMembershipUpdated": true, "created": true}

var groupFilterRules = exprRules{
	ops: func(a string) map[string]bool {
		switch a {
		case "id", "type":
			return opsEq
		case "lastUpdated", "lastMembershipUpdated":
			return opsOrdered
		}
		return nil
	},
	dates:       map[string]bool{"lastUpdated": true, "lastMembershipUpdated": true},
	stringsOnly: true,
}

var groupSearchRules = exprRules{
	ops: func(a string) map[string]bool {
		switch a {
		case "profile.name", "profile.description":
			return opsSearchC
		case "id", "created", "lastMembershipUpdated", "lastUpdated", "type":
			return opsSearch
		}
		if strings.HasPrefix(a, "profile.") {
			return opsSearch
		}
		return nil
	},
	dates: groupDates,
}

var logFilterRules = exprRules{
	ops: func(a string) map[string]bool {
		if a == "" {
			return nil
		}
		return opsSearchC
	},
}

// compile parses s and checks it against rules.
func compile(s string, rules exprRules) (expr, error) {
	e, err := parseExpression(s)
	if err != nil {
		return nil, err
	}
	if err := rules.check(e); err != nil {
		return nil, err
	}
	return e, nil
}

// profileValues turns a profile attribute into the values a comparison sees:
// each element of an array, or the value itself.
func profileValues(v any, ok bool) ([]any, bool) {
	if !ok || v == nil {
		return nil, false
	}
	switch x := v.(type) {
	case []any:
		return x, true
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, true
	}
	return []any{v}, true
}

// compileQuery compiles a list request's filter and search parameters with
// the given rules. On an invalid expression it answers 400 E0000031 and
// returns ok false.
func compileQuery(w http.ResponseWriter, r *http.Request, filterRules, searchRules exprRules) (filter, search expr, ok bool) {
	q := r.URL.Query()
	var err error
	if v := q.Get("filter"); v != "" {
		if filter, err = compile(v, filterRules); err != nil {
			invalidSearch(w, r, "filter: "+err.Error())
			return nil, nil, false
		}
	}
	if v := q.Get("search"); v != "" {
		if search, err = compile(v, searchRules); err != nil {
			invalidSearch(w, r, "search: "+err.Error())
			return nil, nil, false
		}
	}
	return filter, search, true
}
