package oktasim

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

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
