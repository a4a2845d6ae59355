package reconcile

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/okta"
)

// ErrGroupAttribute is wrapped by the error of a run whose source gives
// groups a custom attribute the org's group schema lacks, or a value of
// another type than the schema's. Such a run stops before any write.
var ErrGroupAttribute = errors.New("group attribute does not match the org's group schema")

// groupSchemaError lists the source's group attributes that do not match
// the org's group schema.
type groupSchemaError struct{ problems []string }

func (e *groupSchemaError) Error() string {
	var b strings.Builder
	if len(e.problems) == 1 {
		b.WriteString("the source's groups do not match the org's group schema: " + e.problems[0])
	} else {
		fmt.Fprintf(&b, "the source's groups do not match the org's group schema in %d ways:", len(e.problems))
		for _, p := range e.problems {
			b.WriteString("\n  " + p)
		}
	}
	b.WriteString("\nNothing was changed. Add custom group attributes in Okta (Directory › Profile Editor › Groups), " +
		"or remove the column from the groups source")
	return b.String()
}

func (e *groupSchemaError) Unwrap() error { return ErrGroupAttribute }

// CheckGroupSchema checks the custom attributes the desired groups carry
// against the org's group schema (one API call, made only when some group
// has one): each must be a custom attribute of the schema, and each value
// of the schema's type. The error names the attribute's column and the
// source row.
func CheckGroupSchema(ctx context.Context, c *okta.Client, desired *directory.Directory) error {
	attrs := map[string]bool{}
	for _, g := range desired.Groups {
		for a := range g.Attrs {
			attrs[a] = true
		}
	}
	if len(attrs) == 0 {
		return nil
	}
	schema, _, err := c.Schemas.GetDefaultGroupSchema(ctx)
	if err != nil {
		if okta.IsAccessDenied(err) {
			return fmt.Errorf("read the org's group schema to check the source's group attributes (the API token's admin or the OAuth service app needs okta.schemas.read): %w", err)
		}
		return fmt.Errorf("read the org's group schema to check the source's group attributes: %w", err)
	}
	var problems []string
	keys := desired.GroupKeys()
	for _, a := range slices.Sorted(maps.Keys(attrs)) {
		where := fmt.Sprintf("column %s, first at %s", a, desired.GroupAttrOrigins[a])
		def, ok := schema.Definitions.Custom.Properties[a]
		if !ok {
			msg := fmt.Sprintf("no custom attribute %q (%s)", a, where)
			if s := nearestName(a, schema.CustomAttributes()); s != "" {
				msg += fmt.Sprintf(": did you mean %q?", s)
			}
			problems = append(problems, msg)
			continue
		}
		for _, gk := range keys {
			g := desired.Groups[gk]
			v, has := g.Attrs[a]
			if !has || valueFits(v, def.Type) {
				continue
			}
			problems = append(problems, fmt.Sprintf("attribute %q is of type %s in the schema, but %s gives %s (declare the column's type in a CSV header, %s:%s, or cast it in SQL)",
				a, def.Type, g.Origin, kindName(v), a, def.Type))
			break
		}
	}
	if len(problems) > 0 {
		return &groupSchemaError{problems: problems}
	}
	return nil
}

// valueFits reports whether a source value has the schema type typ
// ("": any).
func valueFits(v any, typ string) bool {
	switch typ {
	case "string":
		_, ok := v.(string)
		return ok
	case "integer":
		_, ok := v.(int64)
		return ok
	case "number":
		switch v.(type) {
		case int64, float64:
			return true
		}
		return false
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "array":
		_, ok := v.([]string)
		return ok
	}
	return true
}

// kindName names a source value's type for messages.
func kindName(v any) string {
	switch v.(type) {
	case string:
		return "text"
	case int64:
		return "an integer"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []string:
		return "an array"
	}
	return fmt.Sprintf("%T", v)
}

// nearestName returns the name in names equal to name ignoring case, or
// "".
func nearestName(name string, names []string) string {
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return n
		}
	}
	return ""
}
