package source

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"

	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/directory"
)

// Option configures a Reader.
type Option func(*options)

type options struct {
	mapping config.Mapping
	// appColumns are the columns listing each user's apps.
	appColumns []string
}

// WithAppColumns makes the Reader read the named columns as lists of each
// user's apps (config apps[].users.from) into Directory.AppLists, rather
// than as profile attributes.
func WithAppColumns(cols ...string) Option {
	return func(o *options) { o.appColumns = append(o.appColumns, cols...) }
}

// withAppColumns returns m reading cols as app lists; m may be nil (a
// mapping that did not compile).
func (m *mapper) withAppColumns(cols []string) *mapper {
	if m == nil || len(cols) == 0 {
		return m
	}
	m.appCols = make(map[string]bool, len(cols))
	for _, c := range cols {
		m.appCols[c] = true
	}
	return m
}

// WithMapping makes the Reader compute profile attributes as m says
// (config's mapping section). Without it every column is the attribute of
// the same name and an empty cell leaves the attribute out.
func WithMapping(m config.Mapping) Option {
	return func(o *options) { o.mapping = m }
}

func newOptions(opts []Option) options {
	o := options{mapping: config.Mapping{Passthrough: true, EmptyValues: config.EmptyIgnore}}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// mapper is a compiled mapping section; it is shared by every row and
// never changed after compileMapping.
type mapper struct {
	rules []*rule
	// passthrough copies the columns no rule reads or defines.
	passthrough bool
	// clear sets an attribute whose value is empty to nil (remove it in
	// Okta) instead of leaving it out.
	clear bool
	// defines holds the attributes rules define; reads the columns rules
	// read with from.
	defines map[string]bool
	reads   map[string]bool
	// templates is true when some rule is a template.
	templates bool
	// hash is mapping.passwordHash, nil when not set.
	hash *hashMapping
	// managerFrom is the column holding each user's manager
	// (mapping.manager.from); "" for none.
	managerFrom string
	// appCols are the columns read as app lists (WithAppColumns).
	appCols map[string]bool
}

// rule is one compiled attribute rule.
type rule struct {
	config.AttributeMapping
	clear bool
	tmpl  *template.Template
	// constant is a value rule's result after its transforms and type;
	// nil when that is empty.
	constant any
}

// compileMapping checks m and prepares it for rows. Its errors are about
// the configuration and wrap config.ErrInvalid.
func compileMapping(m config.Mapping) (*mapper, error) {
	mp := &mapper{
		passthrough: m.Passthrough || len(m.Attributes) == 0,
		clear:       m.EmptyValues == config.EmptyClear,
		defines:     make(map[string]bool),
		reads:       make(map[string]bool),
		hash:        compileHash(m.PasswordHash),
	}
	var errs []error
	fail := func(r config.AttributeMapping, format string, args ...any) {
		where := ""
		if r.Where != "" {
			where = " (" + r.Where + ")"
		}
		errs = append(errs, fmt.Errorf("mapping %s%s: %s: %w", r.Attribute, where, fmt.Sprintf(format, args...), config.ErrInvalid))
	}
	for _, am := range m.Attributes {
		r := &rule{AttributeMapping: am, clear: mp.clear}
		switch am.EmptyValue {
		case config.EmptyClear:
			r.clear = true
		case config.EmptyIgnore:
			r.clear = false
		}
		if mp.defines[am.Attribute] {
			fail(am, "attribute appears twice")
			continue
		}
		if slices.Contains(reservedNames[len(directory.RequiredAttributes):], am.Attribute) {
			fail(am, "%s is a source column with its own meaning, not a profile attribute", am.Attribute)
			continue
		}
		mp.defines[am.Attribute] = true
		switch {
		case am.Template != "":
			t, err := template.New(am.Attribute).Funcs(config.TemplateFuncs()).Option("missingkey=error").Parse(am.Template)
			if err != nil {
				fail(am, "template: %v", err)
				continue
			}
			r.tmpl = t
			mp.templates = true
			for _, col := range templateFields(t.Tree.Root) {
				mp.reads[col] = true
			}
		case am.HasValue:
			v, p := transform(am.Value, am.Transform)
			if p == "" && !directory.IsEmptyValue(v) {
				v, p = convertValue(v, am.Type)
			}
			if p != "" {
				fail(am, "value %q: %s", truncate(am.Value, 40), p)
				continue
			}
			if !directory.IsEmptyValue(v) {
				r.constant = v
			}
		case am.From == colPassword:
			fail(am, "the password column is never copied into a profile")
			continue
		case mp.hash != nil && mp.hash.cols[am.From]:
			fail(am, "column %q is part of the password hash and is never copied into a profile", am.From)
			continue
		case am.From != "":
			mp.reads[am.From] = true
		default:
			fail(am, "set one of from, value and template")
			continue
		}
		for _, t := range am.Transform {
			if _, p := transform("", []string{t}); p != "" {
				fail(am, "%s", p)
			}
		}
		if _, p := convertValue("", am.Type); strings.HasPrefix(p, "unknown type") {
			fail(am, "%s", p)
		}
		mp.rules = append(mp.rules, r)
	}
	if f := m.Manager.From; f != "" {
		mp.managerFrom = f
		mp.reads[f] = true
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return mp, nil
}

// passes reports whether the attribute column named n is copied to the
// attribute of the same name.
func (m *mapper) passes(n string) bool {
	if m.defines[n] {
		return false
	}
	return slices.Contains(directory.RequiredAttributes, n) || (m.passthrough && !m.reads[n])
}

// bind checks the rules against a users table's columns (names, after
// their type suffixes are taken off) and returns, for each rule, the index
// of the column it reads (-1 for none). Problems are reported to add.
func (m *mapper) bind(names []string, kinds []colKind, add func(format string, args ...any)) ([]int, bool) {
	idx := make([]int, len(m.rules))
	ok := true
	var have []string
	data := make(map[string]any)
	for i, n := range names {
		if kinds[i] != colPass && kinds[i] != colHashPart {
			have = append(have, n)
			data[n] = ""
		}
	}
	for j, r := range m.rules {
		idx[j] = -1
		switch {
		case r.From != "":
			i := slices.Index(names, r.From)
			if i < 0 {
				msg := fmt.Sprintf("mapping %s: no column %q", r.Attribute, r.From)
				if s := foldMatch(r.From, names); s != "" {
					msg += fmt.Sprintf(": did you mean %q? (names are case-sensitive)", s)
				}
				add("%s (have %s)", msg, strings.Join(have, ", "))
				ok = false
				continue
			}
			idx[j] = i
		case r.tmpl != nil:
			// Run the template once over empty values, to find the
			// columns it names that the table lacks.
			if err := r.tmpl.Execute(discard{}, data); err != nil && strings.Contains(err.Error(), "map has no entry for key") {
				add("mapping %s: template names a column the users table lacks (the password column is never available): %v (have %s)",
					r.Attribute, err, strings.Join(have, ", "))
				ok = false
			}
		}
	}
	return idx, ok
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// apply computes the rules' attributes for one row into p. row holds each
// column's value (nil when empty, never the password); names the column
// names. data is the templates' data, which apply fills (every column
// name, overwritten row after row); nil when the mapping has no
// templates. It returns the row's problems.
func (m *mapper) apply(p *directory.ProfileBuilder, row []any, names []string, from []int, data map[string]any) []string {
	var problems []string
	if m.templates {
		for i, v := range row {
			if v == nil {
				v = ""
			}
			data[names[i]] = v
		}
	}
	for j, r := range m.rules {
		var v any
		switch {
		case r.HasValue:
			v = directory.CloneValue(r.constant)
		case r.tmpl != nil:
			var b strings.Builder
			if err := r.tmpl.Execute(&b, data); err != nil {
				problems = append(problems, fmt.Sprintf("mapping %s: template: %v", r.Attribute, err))
				continue
			}
			v = strings.TrimSpace(b.String())
		default:
			v = row[from[j]]
		}
		if !r.HasValue {
			var prob string
			v, prob = transform(v, r.Transform)
			if prob == "" && !directory.IsEmptyValue(v) {
				v, prob = convertValue(v, r.Type)
			}
			if prob != "" {
				problems = append(problems, fmt.Sprintf("mapping %s: %s", r.Attribute, prob))
				continue
			}
		}
		if directory.IsEmptyValue(v) {
			if r.clear {
				p.Set(r.Attribute, nil)
			}
			continue
		}
		if prob := checkValue(v); prob != "" {
			problems = append(problems, fmt.Sprintf("mapping %s: %s", r.Attribute, prob))
			continue
		}
		p.Set(r.Attribute, v)
	}
	return problems
}

// checkValue returns what is wrong with a computed text value, or "".
func checkValue(v any) string {
	switch x := v.(type) {
	case string:
		return checkText(x)
	case []string:
		for _, s := range x {
			if p := checkText(s); p != "" {
				return p
			}
		}
	}
	return ""
}

// transform applies text transforms in order, to a text value or to each
// item of a string array.
func transform(v any, ts []string) (any, string) {
	if len(ts) == 0 || v == nil {
		return v, ""
	}
	var fns []func(string) string
	for _, t := range ts {
		switch t {
		case config.TransformLower:
			fns = append(fns, strings.ToLower)
		case config.TransformUpper:
			fns = append(fns, strings.ToUpper)
		case config.TransformTrim:
			fns = append(fns, strings.TrimSpace)
		default:
			return nil, fmt.Sprintf("unknown transform %q (want lower, upper or trim)", t)
		}
	}
	apply := func(s string) string {
		for _, f := range fns {
			s = f(s)
		}
		return s
	}
	switch x := v.(type) {
	case string:
		return apply(x), ""
	case []string:
		out := make([]string, 0, len(x))
		for _, s := range x {
			if s = apply(s); s != "" {
				out = append(out, s)
			}
		}
		return out, ""
	}
	return nil, fmt.Sprintf("transform %s applies to text, not %s %v", strings.Join(ts, ", "), kindOf(v), truncate(fmt.Sprint(v), 40))
}

// convertValue converts a non-empty value to a rule's type ("" keeps it as
// it is).
func convertValue(v any, typ string) (any, string) {
	switch typ {
	case "":
		return v, ""
	case config.TypeString:
		switch x := v.(type) {
		case string:
			return x, ""
		case int64:
			return strconv.FormatInt(x, 10), ""
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), ""
		case bool:
			return strconv.FormatBool(x), ""
		}
	case config.TypeInteger:
		switch x := v.(type) {
		case string:
			return typedValue(x, typeInteger)
		case int64:
			return x, ""
		case float64:
			if x == float64(int64(x)) {
				return int64(x), ""
			}
			return nil, fmt.Sprintf("want a whole number, got %v", x)
		}
	case config.TypeNumber:
		switch x := v.(type) {
		case string:
			return typedValue(x, typeNumber)
		case int64:
			return float64(x), ""
		case float64:
			return x, ""
		}
	case config.TypeBoolean:
		switch x := v.(type) {
		case string:
			return typedValue(x, typeBoolean)
		case bool:
			return x, ""
		}
	case config.TypeStringArray:
		switch x := v.(type) {
		case string:
			return typedValue(x, typeArray)
		case []string:
			return x, ""
		}
	default:
		return nil, fmt.Sprintf("unknown type %q (want string, integer, number, boolean or stringArray)", typ)
	}
	return nil, fmt.Sprintf("want %s, got %s %v", typ, kindOf(v), truncate(fmt.Sprint(v), 40))
}

// kindOf names a value's Okta type for messages.
func kindOf(v any) string {
	switch v.(type) {
	case string:
		return "text"
	case int64:
		return "integer"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []string:
		return "string array"
	}
	return fmt.Sprintf("%T", v)
}

// templateFields returns the columns a template reads as {{.name}}.
func templateFields(n parse.Node) []string {
	var out []string
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch x := n.(type) {
		case *parse.ListNode:
			if x != nil {
				for _, c := range x.Nodes {
					walk(c)
				}
			}
		case *parse.ActionNode:
			walk(x.Pipe)
		case *parse.PipeNode:
			if x != nil {
				for _, c := range x.Cmds {
					walk(c)
				}
			}
		case *parse.CommandNode:
			for _, a := range x.Args {
				walk(a)
			}
		case *parse.FieldNode:
			out = append(out, x.Ident[0])
		case *parse.ChainNode:
			walk(x.Node)
		case *parse.IfNode:
			walk(&x.BranchNode)
		case *parse.RangeNode:
			walk(&x.BranchNode)
		case *parse.WithNode:
			walk(&x.BranchNode)
		case *parse.BranchNode:
			walk(x.Pipe)
			walk(x.List)
			walk(x.ElseList)
		case *parse.TemplateNode:
			walk(x.Pipe)
		}
	}
	walk(n)
	return out
}
