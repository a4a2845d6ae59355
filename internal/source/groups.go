package source

import (
	"fmt"
	"strings"

	"github.com/oktasync/oktasync/internal/directory"
)

// Columns of a groups table with a fixed meaning; every other column is a
// custom attribute of the group's profile.
const (
	colGroupName = "name"
	colGroupDesc = "description"
)

// groupColumns maps the columns of a groups table (CSV header or SQL
// result) to group fields: name, description, and custom attributes with
// their declared types (CSV "costCode:integer", as for users).
type groupColumns struct {
	names []string
	types []string
	name  int
	desc  int
}

// newGroupColumns checks a groups table's column names; problems are
// reported to add (one call per problem).
func newGroupColumns(header []string, add func(format string, args ...any)) (*groupColumns, bool) {
	gc := &groupColumns{names: make([]string, len(header)), types: make([]string, len(header)), name: -1, desc: -1}
	ok := true
	seen := make(map[string]bool)
	fixed := []string{colGroupName, colGroupDesc}
	for i, raw := range header {
		n, typ, typed := columnType(strings.TrimSpace(raw), fixed, add)
		gc.types[i], ok = typ, ok && typed
		gc.names[i] = n
		switch {
		case n == "":
			add("column %d has no name", i+1)
			ok = false
			continue
		case seen[n]:
			add("column %q appears twice", n)
			ok = false
			continue
		case n == colGroupName:
			gc.name = i
		case n == colGroupDesc:
			gc.desc = i
		case foldMatch(n, fixed) != "":
			add("column %q: did you mean %q? (names are case-sensitive; in SQL quote the alias: AS %q)", n, foldMatch(n, fixed), foldMatch(n, fixed))
			ok = false
		case !attrName.MatchString(n):
			add("column %q is not a valid Okta attribute name (letters, digits and _, starting with a letter)", truncate(n, 64))
			ok = false
		}
		seen[n] = true
	}
	if gc.name < 0 && ok {
		add("missing required column name (have %s)", strings.Join(gc.names, ", "))
		ok = false
	}
	return gc, ok
}

// buildGroup makes a group from one row: vals[i] is the value of column
// i (text from CSV, typed from SQL, nil for NULL). It returns the group
// or the row's problems.
func (gc *groupColumns) buildGroup(vals []any, origin string) (*directory.Group, []string) {
	var problems []string
	problemf := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	g := &directory.Group{Origin: origin}
	for i, v := range vals {
		col := gc.names[i]
		if s, isStr := v.(string); isStr {
			s = strings.TrimSpace(s)
			if p := checkText(s); p != "" {
				problemf("column %s: %s", col, p)
				continue
			}
			if v = s; s == "" {
				v = nil
			}
		}
		switch {
		case i == gc.name:
			s, isStr := v.(string)
			switch {
			case v == nil:
				problemf("empty group name")
			case !isStr:
				problemf("name: want text, got %s", kindOf(v))
			default:
				if p := checkGroupName(s); p != "" {
					problemf("name: %s", p)
				}
				g.Name = s
			}
		case v == nil:
			// An empty cell leaves the attribute alone in Okta.
		case i == gc.desc:
			s, isStr := v.(string)
			if !isStr {
				problemf("description: want text, got %s", kindOf(v))
				continue
			}
			g.Description, g.HasDescription = s, true
		default:
			gc.attribute(g, i, v, problemf)
		}
	}
	return g, problems
}

// attribute sets custom attribute column i's non-empty value v on g.
func (gc *groupColumns) attribute(g *directory.Group, i int, v any, problemf func(format string, args ...any)) {
	col := gc.names[i]
	if s, isStr := v.(string); isStr && gc.types[i] != "" {
		tv, p := typedValue(s, gc.types[i])
		if p != "" {
			problemf("column %s: %s", col, p)
			return
		}
		if tv == nil {
			return
		}
		v = tv
	}
	if p := checkValue(v); p != "" {
		problemf("column %s: %s", col, p)
		return
	}
	if g.Attrs == nil {
		g.Attrs = directory.Profile{}
	}
	g.Attrs[col] = v
}

// addGroup builds the group of one groups row and adds it to d.
func addGroup(d *directory.Directory, coll *collector, gc *groupColumns, vals []any, origin string) {
	g, problems := gc.buildGroup(vals, origin)
	if len(problems) > 0 {
		coll.addf(origin, "%s", strings.Join(problems, "; "))
		return
	}
	if err := d.AddGroup(g); err != nil {
		coll.add("", err)
		return
	}
	for a := range g.Attrs {
		if _, seen := d.GroupAttrOrigins[a]; !seen {
			if d.GroupAttrOrigins == nil {
				d.GroupAttrOrigins = make(map[string]string)
			}
			d.GroupAttrOrigins[a] = origin
		}
	}
}
