package source

import (
	"fmt"
	"strings"

	"github.com/oktasync/oktasync/internal/directory"
)

// rowBuild is one row on its way to a user. A reader keeps one and
// reuses its storage from row to row (reset); what a row leaves in it
// is read before the next row starts.
type rowBuild struct {
	uc   *userColumns
	user *directory.User
	// prof is the profile, packed at the end.
	prof directory.ProfileBuilder
	// row is each column's value for the mapping's rules (never the
	// password); nil when the mapping has no rules.
	row []any
	// data is the rules' template data, by column name.
	data     map[string]any
	password string
	// hashVals holds the values of the password hash's columns, by name.
	hashVals map[string]any
	hash     *directory.PasswordHash
	groups   []string
	problems []string
	// apps holds the lists of the app columns, by column; empty when the
	// row lists none.
	apps map[string][]string
}

func newRowBuild(uc *userColumns) *rowBuild {
	b := &rowBuild{uc: uc}
	if len(uc.m.rules) > 0 {
		b.row = make([]any, len(uc.names))
	}
	if uc.m.templates {
		b.data = make(map[string]any, len(uc.names))
	}
	return b
}

// reset readies b for the next row.
func (b *rowBuild) reset() {
	b.user = &directory.User{}
	b.prof.Reset()
	clear(b.row)
	b.password, b.hash = "", nil
	clear(b.hashVals)
	clear(b.groups)
	b.groups = b.groups[:0]
	b.problems = b.problems[:0]
	clear(b.apps)
}

// buildText makes a user from one row of text: rec[i] is the value of
// column i as written (a CSV record). It is buildValues for a row of
// strings, without boxing each in an interface.
func (b *rowBuild) buildText(rec []string) {
	b.reset()
	for i, s := range rec {
		b.text(i, s, true)
	}
	b.finish()
}

// buildValues makes a user from one row of values (a Postgres row): a
// text value or a string is taken as text, anything else (nil when NULL)
// as it is. Strings are trimmed; empty strings are empty values. It
// leaves in b the user, its password or password hash, the group names
// and apps it lists, or the row's problems.
func (b *rowBuild) buildValues(row *pgRow) {
	b.reset()
	for i, v := range row.vals {
		if s, isStr := row.str(i); isStr {
			b.text(i, s, false)
			continue
		}
		b.value(i, v)
	}
	b.finish()
}

// finish applies the mapping's rules, checks the profile and the password
// hash, and packs the profile when the row has no problems.
func (b *rowBuild) finish() {
	uc := b.uc
	if b.row != nil {
		b.problems = append(b.problems, uc.m.apply(&b.prof, b.row, uc.names, uc.from, b.data)...)
	}
	b.problems = append(b.problems, profileProblems(&b.prof)...)
	if uc.m.hash != nil {
		h, ps := uc.m.hash.build(b.hashVals)
		b.problems = append(b.problems, ps...)
		if h != nil && b.password != "" {
			b.problemf("the row has both a password and a password hash; give one")
		}
		b.hash = h
	}
	if len(b.problems) == 0 {
		b.user.Profile = b.prof.Pack()
	}
}

func (b *rowBuild) problemf(format string, args ...any) {
	b.problems = append(b.problems, fmt.Sprintf(format, args...))
}

// text takes column i's text value s into the user, by the column's kind;
// it boxes s only where it must become a value of the rules or of a
// column kind that reads values. checked says that s has passed
// checkText already (as every field of a CSV row has), which its trimmed
// part then passes too.
func (b *rowBuild) text(i int, s string, checked bool) {
	s = strings.TrimSpace(s)
	if !checked {
		if p := checkText(s); p != "" {
			b.problemf("column %s: %s", b.uc.names[i], p)
			return
		}
	}
	if s == "" {
		b.clear(i)
		return
	}
	switch b.uc.kinds[i] {
	case colAttr:
		if b.uc.types[i] != "" {
			b.attribute(i, s)
			return
		}
		b.forRulesText(i, s)
		if b.uc.pass[i] {
			b.prof.SetString(b.uc.names[i], s)
		}
	case colGroupList:
		var p string
		b.groups, p = appendGroupNames(b.groups, s)
		if p != "" {
			b.problems = append(b.problems, "column groups: "+p)
		}
		b.forRulesText(i, s)
	case colPass:
		b.password = s
	case colStat:
		st := strings.ToUpper(s)
		c := foldMatch(st, statuses)
		if c == "" {
			b.problemf("column status: want one of %s, got %q", strings.Join(statuses, ", "), truncate(s, 40))
			return
		}
		if c == st {
			st = c // the shared string
		}
		b.user.Status = st
		b.forRulesText(i, s)
	default:
		b.value(i, s)
	}
}

// value takes column i's value v (a string only for the kinds text hands
// on) into the user, by the column's kind.
func (b *rowBuild) value(i int, v any) {
	if v == nil {
		b.clear(i)
		return
	}
	name := b.uc.names[i]
	switch b.uc.kinds[i] {
	case colHashPart:
		if b.hashVals == nil {
			b.hashVals = make(map[string]any)
		}
		b.hashVals[name] = v
	case colGroupList:
		gs, p := groupNames(v)
		if p != "" {
			b.problems = append(b.problems, "column groups: "+p)
		}
		b.groups = append(b.groups, gs...)
		b.forRules(i, v)
	case colAppList:
		list, p := groupNames(v)
		if p != "" {
			b.problemf("column %s: %s", name, p)
		}
		if b.apps == nil {
			b.apps = make(map[string][]string)
		}
		b.apps[name] = list
		b.forRules(i, v)
	case colPass:
		b.problems = append(b.problems, "column password: want text")
	case colStat:
		b.problemf("column status: want one of %s, got %q", strings.Join(statuses, ", "), truncate(fmt.Sprint(v), 40))
	default:
		b.attribute(i, v)
	}
}

// attribute takes the non-empty value v of attribute column i: converted
// to the column's declared type, checked, handed to the rules, and put in
// the profile when the column passes through.
func (b *rowBuild) attribute(i int, v any) {
	name := b.uc.names[i]
	if s, isStr := v.(string); isStr && b.uc.types[i] != "" {
		tv, p := typedValue(s, b.uc.types[i])
		if p != "" {
			b.problemf("column %s: %s", name, p)
			return
		}
		if tv == nil {
			b.clear(i)
			return
		}
		v = tv
	}
	if sl, ok := v.([]string); ok {
		for _, s := range sl {
			if p := checkText(s); p != "" {
				b.problemf("column %s: %s", name, p)
			}
		}
	}
	b.forRules(i, v)
	if b.uc.pass[i] {
		b.prof.Set(name, v)
	}
}

// clear records column i's empty value: a cleared attribute when the
// column passes through and empty values clear.
func (b *rowBuild) clear(i int) {
	if b.uc.pass[i] && b.uc.m.clear {
		b.prof.Set(b.uc.names[i], nil)
	}
}

// forRules hands column i's value v to the mapping's rules, if any.
func (b *rowBuild) forRules(i int, v any) {
	if b.row != nil {
		b.row[i] = v
	}
}

// forRulesText is forRules for a text value, boxed only when there are
// rules to read it.
func (b *rowBuild) forRulesText(i int, s string) {
	if b.row != nil {
		b.row[i] = s
	}
}

// profileProblems checks a built profile: the required attributes are
// non-empty text, the login has no white space or control characters, and
// the email looks like one.
func profileProblems(prof *directory.ProfileBuilder) []string {
	var problems, empty []string
	for _, r := range directory.RequiredAttributes {
		s, isStr := prof.String(r)
		if !isStr {
			if v, present := prof.Get(r); present && v != nil {
				problems = append(problems, fmt.Sprintf("%s must be text", r))
				continue
			}
		}
		if s == "" {
			empty = append(empty, r)
		}
	}
	if len(empty) > 0 {
		problems = append(problems, "empty required attribute(s) "+strings.Join(empty, ", "))
	}
	if login, _ := prof.String(directory.AttrLogin); login != "" && hasSpaceOrControl(login) {
		problems = append(problems, "login contains white space or control characters")
	}
	if email, _ := prof.String(directory.AttrEmail); email != "" && !plausibleEmail(email) {
		problems = append(problems, fmt.Sprintf("email %q is not an email address", truncate(email, 80)))
	}
	return problems
}
