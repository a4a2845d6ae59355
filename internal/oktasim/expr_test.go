package oktasim

import (
	"strings"
	"testing"
)

func TestParseExpression(t *testing.T) {
	t.Parallel()
	obj := map[string][]any{
		"status":            {"ACTIVE"},
		"lastUpdated":       {"2026-03-01T12:00:00.000Z"},
		"profile.login":     {"Jane@Example.com"},
		"profile.level":     {float64(3)},
		"profile.manager":   {true},
		"profile.nicknames": {"jj", "janey"},
	}
	get := func(a string) ([]any, bool) { v, ok := obj[a]; return v, ok }
	tests := []struct {
		expr string
		fold foldFunc
		want bool
	}{
		{`status eq "ACTIVE"`, foldNone, true},
		{`status eq "active"`, foldNone, false},
		{`status eq "active"`, foldAll, true},
		{`STATUS eq "ACTIVE"`, foldAll, false}, // attribute names are case-sensitive
		{`status EQ "ACTIVE"`, foldNone, true},
		{`status eq "STAGED" or status eq "ACTIVE"`, foldNone, true},
		{`status eq "STAGED" or status eq "ACTIVE" and profile.level gt 5`, foldNone, false},
		{`(status eq "STAGED" or status eq "ACTIVE") and profile.level gt 2`, foldNone, true},
		{`lastUpdated gt "2026-03-01T11:59:59.999Z"`, foldNone, true},
		{`lastUpdated ge "2026-03-01T12:00:00.000Z" and lastUpdated le "2026-03-01T12:00:00.000Z"`, foldNone, true},
		{`lastUpdated lt "2026-03-01T12:00:00.000Z"`, foldNone, false},
		{`profile.login eq "jane@example.com"`, foldLogin, true},
		{`profile.login sw "JA"`, foldAll, true},
		{`profile.login co "@EXAMPLE"`, foldAll, true},
		{`profile.nicknames eq "janey"`, foldAll, true},
		{`profile.level eq 3`, foldNone, true},
		{`profile.level lt 3.5`, foldNone, true},
		{`profile.manager eq TRUE`, foldNone, true},
		{`profile.manager eq false`, foldNone, false},
		{`profile.missing eq "x"`, foldAll, false},
		{`profile.login eq "a \"quoted\" \\ value"`, foldNone, false},
		{"((((status eq \"ACTIVE\"))))", foldNone, true},
	}
	for _, tt := range tests {
		e, err := parseExpression(tt.expr)
		if err != nil {
			t.Errorf("parse %s: %v", tt.expr, err)
			continue
		}
		if got := e.eval(get, tt.fold); got != tt.want {
			t.Errorf("%s = %v, want %v", tt.expr, got, tt.want)
		}
	}

	invalid := []string{
		``, `status`, `status eq`, `eq "x"`, `status eq "x" and`, `status eq "x" or or status eq "y"`,
		`status ne "x"`, `not status eq "x"`, `(status eq "x"`, `status eq "x")`, `status eq "unterminated`,
		`status eq unquoted`, `status eq "x" status eq "y"`, `status pr`, `1abc eq "x"`, `a..b eq "x"`,
		`status eq "x\`, "status eq \"\xff\"", `status = "x"`, strings.Repeat("(", 40) + `a eq "b"` + strings.Repeat(")", 40),
		strings.Repeat(`a eq "b" or `, 250) + `a eq "b"`, strings.Repeat("x", 5000),
	}
	for _, s := range invalid {
		if _, err := parseExpression(s); err == nil {
			t.Errorf("parse %q: no error", s)
		}
	}
}

func TestExprRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rules exprRules
		expr  string
		ok    bool
	}{
		{userFilterRules, `status eq "ACTIVE"`, true},
		{userFilterRules, `profile.email eq "a@b.c" or id eq "00u1"`, true},
		{userFilterRules, `lastUpdated gt "2026-01-01T00:00:00.000Z"`, true},
		{userFilterRules, `lastUpdated gt "2026-01-01"`, false},
		{userFilterRules, `status gt "A"`, false},
		{userFilterRules, `profile.department eq "x"`, false},
		{userFilterRules, `id eq 5`, false},
		{userSearchRules, `profile.anything sw "x"`, true},
		{userSearchRules, `profile.login co "x"`, true},
		{userSearchRules, `profile.city co "x"`, false},
		{userSearchRules, `type.id eq "oty1"`, true},
		{userSearchRules, `created co "2026"`, false},
		{userSearchRules, `credentials.password eq "x"`, false},
		{groupFilterRules, `type eq "OKTA_GROUP" and lastMembershipUpdated gt "2026-01-01T00:00:00.000Z"`, true},
		{groupFilterRules, `profile.name eq "x"`, false},
		{groupSearchRules, `profile.name co "x" and type eq "OKTA_GROUP"`, true},
		{groupSearchRules, `type co "OKTA"`, false},
		{logFilterRules, `eventType eq "user.lifecycle.create" and target.id eq "00u1"`, true},
	}
	for _, tt := range tests {
		_, err := compile(tt.expr, tt.rules)
		if (err == nil) != tt.ok {
			t.Errorf("compile %s: err %v, want ok=%v", tt.expr, err, tt.ok)
		}
	}
}

// FuzzParseExpression checks that the parser never panics, and that what it
// accepts evaluates without panicking.
func FuzzParseExpression(f *testing.F) {
	for _, s := range []string{
		`status eq "ACTIVE"`,
		`lastUpdated gt "2013-06-01T00:00:00.000Z" and (status eq "LOCKED_OUT" or status eq "RECOVERY")`,
		`profile.department eq "Engineering" and (profile.level ge 3 or profile.manager eq true)`,
		`profile.login sw "a\"b"`,
		`((((`,
	} {
		f.Add(s)
	}
	get := func(a string) ([]any, bool) {
		if strings.HasPrefix(a, "profile.") {
			return []any{"x", float64(1), true}, true
		}
		return []any{"ACTIVE"}, true
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := parseExpression(s)
		if err != nil {
			return
		}
		e.eval(get, foldAll)
		for _, r := range []exprRules{userFilterRules, userSearchRules, groupFilterRules, groupSearchRules, logFilterRules} {
			_ = r.check(e)
		}
	})
}
