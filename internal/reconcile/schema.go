package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/okta"
)

// ErrUnknownAttribute is wrapped by the error of a run whose source
// produces a profile attribute the org's user schema does not have. Such a
// run stops before any write.
var ErrUnknownAttribute = errors.New("profile attribute not in the org's user schema")

// unknownAttribute is one attribute the schema lacks.
type unknownAttribute struct {
	name string
	// from says what produces it: "column jobTitle" or
	// "mapping.attributes.badge (oktasync.yaml line 40)".
	from string
	// first is the first source record that has it; rows counts them.
	first string
	rows  int
	// suggest is the schema attribute the name most likely means, or "".
	suggest string
}

// schemaError lists the attributes the schema lacks.
type schemaError struct{ attrs []unknownAttribute }

func (e *schemaError) Error() string {
	var b strings.Builder
	line := func(a unknownAttribute) {
		fmt.Fprintf(&b, "attribute %q (%s", a.name, a.from)
		if a.first != "" {
			fmt.Fprintf(&b, ", first at %s", a.first)
		}
		if a.rows > 1 {
			fmt.Fprintf(&b, ", %d rows", a.rows)
		}
		b.WriteString(")")
		if a.suggest != "" {
			fmt.Fprintf(&b, ": did you mean %q?", a.suggest)
		}
	}
	if len(e.attrs) == 1 {
		b.WriteString("the org's user schema has no ")
		line(e.attrs[0])
	} else {
		fmt.Fprintf(&b, "the org's user schema lacks %d attributes the source sets:", len(e.attrs))
		for _, a := range e.attrs {
			b.WriteString("\n  ")
			line(a)
		}
	}
	b.WriteString("\nNothing was changed. Add the attribute to the user profile in Okta (Profile Editor), " +
		"or rename it with mapping.attributes, or leave the column out (mapping.passthrough: false)")
	return b.String()
}

func (e *schemaError) Unwrap() error { return ErrUnknownAttribute }

// SchemaHints help the schema check say where an unknown attribute comes
// from and what it most likely means.
type SchemaHints struct {
	// Mapped holds the attributes a mapping rule sets, each with where the
	// rule is written ("oktasync.yaml line 40"; "" when not known).
	Mapped map[string]string
	// Suggest returns the name in known that name most likely means, or
	// ""; nil suggests by containment only.
	Suggest func(name string, known []string) string
}

// CheckSchema checks every profile attribute the desired users have
// against the org's default user schema (base and custom attributes), with
// one API call; hints say which attributes come from mapping rules, for the
// message. An unknown attribute is an error (wrapping ErrUnknownAttribute)
// naming it, where it comes from, and the schema attribute it most likely
// means.
func CheckSchema(ctx context.Context, c *okta.Client, desired *directory.Directory, hints SchemaHints) error {
	attrs := desired.AttrNames()
	if len(attrs) == 0 {
		return nil
	}
	schema, _, err := c.Schemas.GetDefaultUserSchema(ctx)
	if err != nil {
		if okta.IsAccessDenied(err) {
			return fmt.Errorf("read the org's user schema to check the source's attributes (the API token's admin or the OAuth service app needs okta.schemas.read): %w", err)
		}
		return fmt.Errorf("read the org's user schema to check the source's attributes: %w", err)
	}
	var missing []string
	for _, a := range attrs {
		if !schema.HasAttribute(a) {
			missing = append(missing, a)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	rows := attributeRows(desired, missing)
	names := schema.AttributeNames()
	var unknown []unknownAttribute
	for _, a := range missing {
		ua := unknownAttribute{name: a, from: "column " + a, first: desired.AttrOrigins[a], rows: rows[a], suggest: hints.nearest(a, names)}
		if w, mapped := hints.Mapped[a]; mapped {
			ua.from = "mapping.attributes." + a
			if w != "" {
				ua.from += " at " + w
			}
		}
		unknown = append(unknown, ua)
	}
	if len(unknown) > 0 {
		return &schemaError{attrs: unknown}
	}
	return nil
}

// attributeRows counts, for each of the attributes names, the users whose
// profile holds it: a walk over every profile, made only for the message
// about attributes the schema lacks.
func attributeRows(d *directory.Directory, names []string) map[string]int {
	rows := make(map[string]int, len(names))
	for _, n := range names {
		rows[n] = 0
	}
	for _, u := range d.Users {
		for a := range u.Profile.Names() {
			if _, ok := rows[a]; ok {
				rows[a]++
			}
		}
	}
	return rows
}

// nearest returns the name in names that name most likely means: the
// hints' suggestion, else the longest name that name contains; "" when none
// is close.
func (h SchemaHints) nearest(name string, names []string) string {
	if h.Suggest != nil {
		if s := h.Suggest(name, names); s != "" {
			return s
		}
	}
	// A name that holds a schema name ("jobTitle", "workCity") most likely
	// means that one; the longest wins.
	lname := strings.ToLower(name)
	best := ""
	for _, n := range names {
		if len(n) >= 4 && len(n) > len(best) && strings.Contains(lname, strings.ToLower(n)) {
			best = n
		}
	}
	return best
}
