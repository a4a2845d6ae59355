package oktasim

import (
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"strings"
)

// The group schema: Okta's base group profile is name and description;
// custom attributes are declared by Options.GroupCustomAttributes and a
// seed's GroupCustomAttributes, as an admin adds them in the Profile
// Editor. A group create or replace whose profile has any other attribute,
// or a value of another type, is refused with 400 E0000001.

// declareGroupAttrs parses custom group attribute declarations (name or
// name:type) into the declared set. Call with s.mu held, or before the
// server runs.
func declareGroupAttrs(into map[string]string, decls []string) error {
	for _, d := range decls {
		name, typ, err := parseCustomAttr(d)
		if err != nil {
			return fmt.Errorf("group custom attribute: %w", err)
		}
		if name == "name" || name == "description" {
			continue
		}
		into[name] = typ
	}
	return nil
}

// checkGroupProfile returns the errorCauses of the custom attributes of p
// (a group profile without name and description) that the group schema
// does not define or whose values have another type, with the first
// failing field. Call with s.mu held.
func (s *Server) checkGroupProfile(p map[string]any) (field string, causes []string) {
	for _, k := range slices.Sorted(maps.Keys(p)) {
		typ, declared := s.groupAttr[k]
		var cause string
		switch {
		case !declared:
			cause = k + ": Property name '" + k + "' is not defined in the group schema"
		case p[k] != nil && !fitsSchemaType(p[k], typ):
			cause = k + ": Property has an invalid type; the schema's type is " + typ
		default:
			continue
		}
		if field == "" {
			field = k
		}
		causes = append(causes, cause)
	}
	return field, causes
}

// fitsSchemaType reports whether a JSON value (as encoding/json decodes
// it) has the schema type typ.
func fitsSchemaType(v any, typ string) bool {
	switch typ {
	case "string":
		_, ok := v.(string)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == math.Trunc(f)
	case "number":
		_, ok := v.(float64)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "array":
		a, ok := v.([]any)
		if !ok {
			return false
		}
		for _, e := range a {
			if _, ok := e.(string); !ok {
				return false
			}
		}
		return true
	}
	return false
}

func (s *Server) handleGroupSchema(w http.ResponseWriter, r *http.Request) {
	if id := r.PathValue("schemaId"); id != "default" {
		notFound(w, r, "GroupSchema", id)
		return
	}
	base := baseURL(r)
	s.lock()
	custom := maps.Clone(s.groupAttr)
	created := s.groups[s.everyoneID].created
	s.mu.Unlock()
	customProps := make(map[string]any, len(custom))
	for _, k := range slices.Sorted(maps.Keys(custom)) {
		customProps[k] = schemaAttr(strings.ToUpper(k[:1])+k[1:], custom[k], false)
	}
	name := schemaAttr("Name", "string", true)
	name["maxLength"] = 255
	desc := schemaAttr("Description", "string", false)
	desc["maxLength"] = 1024
	writeJSON(w, http.StatusOK, map[string]any{
		"id":          base + "/meta/schemas/group/default",
		"$schema":     "http://json-schema.org/draft-04/schema#",
		"name":        "group",
		"title":       "Okta group",
		"description": "Okta group profile template",
		"created":     fmtTime(created),
		"lastUpdated": fmtTime(s.now()),
		"type":        "object",
		"definitions": map[string]any{
			"base": map[string]any{
				"id": "#base", "type": "object", "required": []string{"name"},
				"properties": map[string]any{"name": name, "description": desc},
			},
			"custom": map[string]any{"id": "#custom", "type": "object", "properties": customProps, "required": []string{}},
		},
		"properties": map[string]any{
			"profile": map[string]any{"allOf": []map[string]string{
				{"$ref": "#/definitions/custom"}, {"$ref": "#/definitions/base"},
			}},
		},
		"_links": map[string]any{
			"self": href{Href: base + "/api/v1/meta/schemas/group/default", Method: "GET"},
		},
	})
}

// nonNilMap returns m, or an empty map for nil.
func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// jsonValues returns p with its values as encoding/json would decode them
// (numbers float64, arrays []any), so that a seed written in Go is
// checked and kept as an API request would be.
func jsonValues(p map[string]any) map[string]any {
	if p == nil {
		return nil
	}
	out := make(map[string]any, len(p))
	for k, v := range p {
		switch x := v.(type) {
		case int:
			out[k] = float64(x)
		case int64:
			out[k] = float64(x)
		case []string:
			a := make([]any, len(x))
			for i, e := range x {
				a[i] = e
			}
			out[k] = a
		default:
			out[k] = v
		}
	}
	return out
}
