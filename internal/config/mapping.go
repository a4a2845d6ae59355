package config

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"go.yaml.in/yaml/v3"
)

var attributeMappingsType = reflect.TypeFor[[]AttributeMapping]()

// decodeAttributeMappings decodes mapping.attributes: a mapping from an
// attribute name to its rule, or to a column name (short for {from: …}).
func (d *decoder) decodeAttributeMappings(n *yaml.Node, fv reflect.Value, key string) {
	n = resolveAlias(n)
	d.set[d.canonKey(key)] = true
	if isNull(n) {
		fv.Set(reflect.Zero(fv.Type()))
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, key, "want a mapping from Okta attribute name to its rule, such as title: {from: job_title}, not %s", describeNode(n))
		return
	}
	var rules []AttributeMapping
	seen := make(map[string]bool)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], resolveAlias(n.Content[i+1])
		attr := k.Value
		path := joinPath(key, attr)
		if seen[attr] {
			d.fail(k, path, "attribute appears twice")
			continue
		}
		seen[attr] = true
		r := AttributeMapping{Attribute: attr, Where: fmt.Sprintf("%s line %d", d.where, k.Line)}
		switch {
		case isNull(val):
			d.fail(k, path, "want a rule such as {from: column}, {value: constant} or {template: \"{{.column}}\"}, or a column name")
			continue
		case val.Kind == yaml.ScalarNode:
			s, ok := d.expand(val, path)
			if !ok {
				continue
			}
			r.From = s
		case val.Kind == yaml.MappingNode:
			d.decodeStruct(val, reflect.ValueOf(&r).Elem(), path)
			r.HasValue = d.set[d.canonKey(joinPath(path, "value"))]
		default:
			d.fail(val, path, "want a rule such as {from: column} or a column name, not %s", describeNode(val))
			continue
		}
		rules = append(rules, r)
	}
	fv.Set(reflect.ValueOf(rules))
}

// TemplateFuncs returns the functions a mapping template may call:
//
//   - lower, upper, trim: the value as text, lower-cased, upper-cased or
//     with surrounding white space removed;
//   - default: {{default "none" .nickName}} or {{.nickName | default "none"}}
//     gives the first argument when the value is empty.
//
// Values that are not text are formatted as Go's fmt does; a string array
// is its items joined with ";".
func TemplateFuncs() template.FuncMap {
	return template.FuncMap{
		"lower": func(v any) string { return strings.ToLower(templateText(v)) },
		"upper": func(v any) string { return strings.ToUpper(templateText(v)) },
		"trim":  func(v any) string { return strings.TrimSpace(templateText(v)) },
		"default": func(def, v any) any {
			if templateText(v) == "" {
				return def
			}
			return v
		},
	}
}

func templateText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []string:
		return strings.Join(x, ";")
	}
	return fmt.Sprint(v)
}

var (
	mappingTransforms = []string{TransformLower, TransformUpper, TransformTrim}
	mappingTypes      = []string{TypeString, TypeInteger, TypeNumber, TypeBoolean, TypeStringArray}
	emptyValueModes   = []string{EmptyIgnore, EmptyClear}
	// mappingReserved are source column names with a meaning of their
	// own, which no rule may define as an attribute.
	mappingReserved = []string{"groups", "password", "status"}
	attributeName   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
)

// validateMapping checks the mapping section.
func (c *Config) validateMapping() []error {
	m := c.Mapping
	var errs []error
	bad := func(r *AttributeMapping, field, format string, args ...any) {
		e := &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
		if r != nil {
			e.Where = r.Where
		}
		errs = append(errs, e)
	}
	if m.EmptyValues != "" && !slices.Contains(emptyValueModes, m.EmptyValues) {
		bad(nil, "mapping.emptyValues", "want ignore (an empty value leaves Okta's value alone) or clear (it removes it), got %q", m.EmptyValues)
	}
	errs = append(errs, c.validatePasswordHash()...)
	seen := make(map[string]bool)
	for i := range m.Attributes {
		r := &m.Attributes[i]
		f := "mapping.attributes." + r.Attribute
		switch {
		case !attributeName.MatchString(r.Attribute):
			bad(r, f, "%q is not an Okta attribute name (letters, digits and _, starting with a letter)", r.Attribute)
		case slices.Contains(mappingReserved, r.Attribute):
			bad(r, f, "%s is a source column with its own meaning, not a profile attribute", r.Attribute)
		case seen[r.Attribute]:
			bad(r, f, "attribute appears twice")
		}
		seen[r.Attribute] = true
		n := 0
		for _, set := range []bool{r.From != "", r.HasValue, r.Template != ""} {
			if set {
				n++
			}
		}
		if n != 1 {
			bad(r, f, "set exactly one of from (a column), value (a constant) and template")
		}
		if r.From == "password" {
			bad(r, f+".from", "the password column is never copied into a profile")
		}
		for _, t := range r.Transform {
			if !slices.Contains(mappingTransforms, t) {
				msg := fmt.Sprintf("unknown transform %q (want %s)", t, strings.Join(mappingTransforms, ", "))
				if s := Suggest(t, mappingTransforms); s != "" && s != t {
					msg += fmt.Sprintf("; did you mean %s?", s)
				}
				bad(r, f+".transform", "%s", msg)
			}
		}
		if r.Type != "" && !slices.Contains(mappingTypes, r.Type) {
			msg := fmt.Sprintf("unknown type %q (want %s)", r.Type, strings.Join(mappingTypes, ", "))
			if s := Suggest(r.Type, mappingTypes); s != "" {
				msg += fmt.Sprintf("; did you mean %s?", s)
			}
			bad(r, f+".type", "%s", msg)
		}
		if r.EmptyValue != "" && !slices.Contains(emptyValueModes, r.EmptyValue) {
			bad(r, f+".emptyValue", "want ignore or clear, got %q", r.EmptyValue)
		}
		if r.Template != "" {
			if _, err := template.New(r.Attribute).Funcs(TemplateFuncs()).Parse(r.Template); err != nil {
				bad(r, f+".template", "%v", err)
			}
		}
	}
	return errs
}
