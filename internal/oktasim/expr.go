package oktasim

import (
	"strconv"
	"strings"
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
