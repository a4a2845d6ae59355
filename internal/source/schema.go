package source

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/oktasync/oktasync/internal/directory"
)

// Special column names besides the profile attributes.
const (
	colGroups   = "groups"
	colPassword = "password"
	colStatus   = "status"
)

// Statuses a source may ask for.
var statuses = []string{"ACTIVE", "STAGED", "SUSPENDED", "DEPROVISIONED"}

type colKind int

const (
	colAttr colKind = iota
	colGroupList
	colPass
	colStat
	// colHashPart is a column mapping.passwordHash reads: never a profile
	// attribute, never seen by the rules.
	colHashPart
	colAppList // a column listing the user's apps (config apps[].users.from)
)

// userColumns maps the columns of a users table to user fields.
type userColumns struct {
	names []string
	kinds []colKind
	// types holds each attribute column's declared type ("" for text).
	types []string
	// m is the mapping; pass says which attribute columns are copied to
	// the attribute of the same name; from is the column each of m's
	// rules reads (-1 for none).
	m    *mapper
	pass []bool
	from []int
	// manager is the index of the manager column (mapping.manager.from),
	// or -1.
	manager int
}

// Column types a header may declare after a colon, as "floor:integer".
// Text is the default; the others convert text values to Okta's JSON
// types, so that they compare equal to what Okta returns.
const (
	typeString  = "string"
	typeInteger = "integer"
	typeNumber  = "number"
	typeBoolean = "boolean"
	typeArray   = "array"
)

var columnTypes = []string{typeString, typeInteger, typeNumber, typeBoolean, typeArray}

// attrName matches the names Okta allows for profile attributes.
var attrName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// reservedNames are the column names with a fixed meaning.
var reservedNames = append(append([]string{}, directory.RequiredAttributes...), colGroups, colPassword, colStatus)

// newUserColumns checks a users table's column names against each other
// and the mapping m; problems are reported to add (one call per problem).
func newUserColumns(names []string, m *mapper, add func(format string, args ...any)) (*userColumns, bool) {
	uc := &userColumns{names: make([]string, len(names)), kinds: make([]colKind, len(names)), types: make([]string, len(names)),
		m: m, pass: make([]bool, len(names))}
	ok := true
	seen := make(map[string]bool)
	suggested := make(map[string]bool)
	for i, raw := range names {
		n, typ, typed := columnType(strings.TrimSpace(raw), reservedNames, add)
		uc.types[i], ok = typ, ok && typed
		uc.names[i] = n
		switch {
		case n == "":
			add("column %d has no name", i+1)
			ok = false
			continue
		case !utf8.ValidString(n) || strings.ContainsRune(n, 0):
			add("column %d's name is not valid UTF-8 text", i+1)
			ok = false
			continue
		case seen[n]:
			add("column %q appears twice", n)
			ok = false
			continue
		}
		seen[n] = true
		if m.appCols[n] {
			uc.kinds[i] = colAppList
			continue
		}
		switch n {
		case colGroups:
			uc.kinds[i] = colGroupList
			continue
		case colPassword:
			uc.kinds[i] = colPass
			continue
		case colStatus:
			uc.kinds[i] = colStat
			continue
		}
		if m.hash != nil && m.hash.cols[n] {
			uc.kinds[i] = colHashPart
			continue
		}
		// Only a column that becomes the attribute of its name must be
		// named like one; a column a rule reads may be named anything.
		if !m.passes(n) {
			continue
		}
		uc.pass[i] = true
		if r := foldMatch(n, reservedNames); r != "" && r != n {
			add("column %q: did you mean %q? (names are case-sensitive; in SQL quote the alias: AS %q)", n, r, r)
			suggested[r] = true
			ok = false
			continue
		}
		if !attrName.MatchString(n) {
			add("column %q is not a valid Okta attribute name (letters, digits and _, starting with a letter)", truncate(n, 64))
			ok = false
		}
	}
	var bound bool
	uc.from, bound = m.bind(uc.names, uc.kinds, add)
	ok = ok && bound
	if m.hash != nil {
		ok = m.hash.bind(uc.names, add) && ok
	}
	uc.manager = -1
	if f := m.managerFrom; f != "" {
		if uc.manager = slices.Index(uc.names, f); uc.manager < 0 {
			add("mapping.manager.from: no column %q (have %s)", f, strings.Join(uc.names, ", "))
			ok = false
		}
	}
	var missing []string
	for _, r := range directory.RequiredAttributes {
		if !seen[r] && !suggested[r] && !m.defines[r] {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		hint := ""
		if len(m.rules) > 0 {
			hint = " or mapping rule(s)"
		}
		add("missing required column(s)%s %s (have %s)", hint, strings.Join(missing, ", "), strings.Join(uc.names, ", "))
		ok = false
	}
	return uc, ok
}

// columnType splits a column header, "name:type", into its name and type
// ("" when it names none); false when the type is unknown or a column of
// reserved (always text) is given another.
func columnType(n string, reserved []string, add func(format string, args ...any)) (name, typ string, ok bool) {
	base, typ, found := strings.Cut(n, ":")
	if !found || !utf8.ValidString(n) {
		return n, "", true
	}
	ok = true
	base, typ = strings.TrimSpace(base), strings.ToLower(strings.TrimSpace(typ))
	switch {
	case foldMatch(typ, columnTypes) == "":
		add("column %q: unknown type %q (want %s)", truncate(n, 64), truncate(typ, 32), strings.Join(columnTypes, ", "))
		ok = false
	case foldMatch(base, reserved) != "" && typ != typeString:
		add("column %q: %s is always text", truncate(n, 64), base)
		ok = false
	}
	if typ == typeString {
		typ = ""
	}
	return base, typ, ok
}

// foldMatch returns the name in names equal to n ignoring case, or "".
func foldMatch(n string, names []string) string {
	for _, r := range names {
		if strings.EqualFold(n, r) {
			return r
		}
	}
	return ""
}

// typedValue converts a text value to the column's declared type; nil for
// an array with no items.
func typedValue(s, typ string) (any, string) {
	switch typ {
	case typeInteger:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Sprintf("want a whole number, got %q", truncate(s, 40))
		}
		return n, ""
	case typeNumber:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Sprintf("want a number, got %q", truncate(s, 40))
		}
		return f, ""
	case typeBoolean:
		switch strings.ToLower(s) {
		case "true":
			return true, ""
		case "false":
			return false, ""
		}
		return nil, fmt.Sprintf("want true or false, got %q", truncate(s, 40))
	case typeArray:
		var out []string
		for _, part := range strings.Split(s, ";") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
		if len(out) == 0 {
			return nil, ""
		}
		return out, ""
	}
	return s, ""
}

// groupNames splits a groups value: text separated by ";" or a list.
func groupNames(v any) ([]string, string) {
	switch x := v.(type) {
	case string:
		return appendGroupNames(nil, x)
	case []string:
		var out []string
		for _, p := range x {
			var bad string
			if out, bad = appendGroupName(out, p); bad != "" {
				return out, bad
			}
		}
		return out, ""
	}
	return nil, fmt.Sprintf("want text or a text array, got %T", v)
}

// appendGroupNames appends the names of a groups text value (separated
// by ";") to dst, up to the first bad one, whose problem it returns.
func appendGroupNames(dst []string, s string) ([]string, string) {
	for {
		part, rest, more := strings.Cut(s, ";")
		var bad string
		if dst, bad = appendGroupName(dst, part); bad != "" || !more {
			return dst, bad
		}
		s = rest
	}
}

// appendGroupName appends the group name p, trimmed, to dst; an empty p
// is skipped, and a bad one returns its problem.
func appendGroupName(dst []string, p string) ([]string, string) {
	p = strings.TrimSpace(p)
	if p == "" {
		return dst, ""
	}
	if bad := checkGroupName(p); bad != "" {
		return dst, bad
	}
	return append(dst, p), ""
}

// checkGroupName returns what is wrong with a group name, or "".
func checkGroupName(name string) string {
	if p := checkText(name); p != "" {
		return p
	}
	if len(name) > 255 && utf8.RuneCountInString(name) > 255 { // no more runes than bytes
		return fmt.Sprintf("group name %q… is longer than 255 characters", truncate(name, 40))
	}
	return ""
}

// checkText returns what is wrong with a text value, or "".
func checkText(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "invalid UTF-8"
	case strings.IndexByte(s, 0) >= 0:
		return "contains a NUL byte"
	case len(s) > MaxValueBytes:
		return fmt.Sprintf("value is %d bytes, more than the limit of %d", len(s), MaxValueBytes)
	}
	return ""
}

func hasSpaceOrControl(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			// Beyond ASCII: the Unicode classes, from here on.
			return strings.IndexFunc(s[i:], spaceOrControl) >= 0
		}
		if c <= ' ' || c == 0x7f {
			return true // ASCII's white space and control characters
		}
	}
	return false
}

func spaceOrControl(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }

// plausibleEmail is a light check: one @ with text on both sides and no
// white space. Okta checks the rest.
func plausibleEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && domain != "" && !strings.Contains(domain, "@") && !hasSpaceOrControl(s)
}

// truncate shortens s to at most n runes for messages.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
