package oktasim

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// baseUserAttrs are the base profile attributes of Okta's default user
// schema, with their titles.
var baseUserAttrs = [][2]string{
	{"login", "Username"}, {"firstName", "First name"}, {"lastName", "Last name"},
	{"middleName", "Middle name"}, {"honorificPrefix", "Honorific prefix"},
	{"honorificSuffix", "Honorific suffix"}, {"email", "Primary email"}, {"title", "Title"},
	{"displayName", "Display name"}, {"nickName", "Nickname"}, {"profileUrl", "Profile Url"},
	{"secondEmail", "Secondary email"}, {"mobilePhone", "Mobile phone"},
	{"primaryPhone", "Primary phone"}, {"streetAddress", "Street address"}, {"city", "City"},
	{"state", "State"}, {"zipCode", "Zip code"}, {"countryCode", "Country code"},
	{"postalAddress", "Postal Address"}, {"preferredLanguage", "Preferred language"},
	{"locale", "Locale"}, {"timezone", "Time zone"}, {"userType", "User type"},
	{"employeeNumber", "Employee number"}, {"costCenter", "Cost center"},
	{"organization", "Organization"}, {"division", "Division"}, {"department", "Department"},
	{"managerId", "ManagerId"}, {"manager", "Manager"},
}

var baseAttrSet = func() map[string]bool {
	m := make(map[string]bool, len(baseUserAttrs))
	for _, a := range baseUserAttrs {
		m[a[0]] = true
	}
	return m
}()

func schemaAttr(title, typ string, required bool) map[string]any {
	a := map[string]any{
		"title":       title,
		"type":        typ,
		"mutability":  "READ_WRITE",
		"scope":       "NONE",
		"permissions": []map[string]string{{"principal": "SELF", "action": "READ_WRITE"}},
		"master":      map[string]string{"type": "PROFILE_MASTER"},
	}
	if required {
		a["required"] = true
		a["minLength"] = 1
		a["maxLength"] = 100
	}
	if typ == "array" {
		a["items"] = map[string]string{"type": "string"}
	}
	return a
}

// customSchema returns the declared custom attributes of the default user
// schema (Options.CustomAttributes and the seeds' CustomAttributes) with
// their types. Call with s.mu held.
func (s *Server) customSchema() map[string]string {
	return maps.Clone(s.customAttr)
}

// schemaTypes are the types a declared custom attribute may have.
var schemaTypes = map[string]bool{"string": true, "integer": true, "number": true, "boolean": true, "array": true}

// parseCustomAttr reads a custom attribute declaration, name or name:type.
// A base attribute's name is accepted, and then ignored by the caller.
func parseCustomAttr(decl string) (name, typ string, err error) {
	name, typ, _ = strings.Cut(strings.TrimSpace(decl), ":")
	if typ == "" {
		typ = "string"
	}
	switch {
	case !isAttrName(name) || strings.Contains(name, "."):
		return "", "", fmt.Errorf("%q is not an attribute name", name)
	case !schemaTypes[typ]:
		return "", "", fmt.Errorf("%q: type %q is not string, integer, number, boolean or array", name, typ)
	}
	return name, typ, nil
}

// checkSchema returns the errorCauses of the attributes of p that the user
// schema (Okta's base profile and the declared custom attributes) does not
// define, with the first of them. Call with s.mu held.
func (s *Server) checkSchema(p map[string]any) (field string, causes []string) {
	for _, k := range slices.Sorted(maps.Keys(p)) {
		if _, declared := s.customAttr[k]; baseAttrSet[k] || declared {
			continue
		}
		if field == "" {
			field = k
		}
		causes = append(causes, k+": Property name '"+k+"' is not defined in the user schema")
	}
	return field, causes
}

func (s *Server) handleUserSchema(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("schemaId")
	if id != "default" {
		notFound(w, r, "UserSchema", id)
		return
	}
	base := baseURL(r)
	baseProps := make(map[string]any, len(baseUserAttrs))
	for _, a := range baseUserAttrs {
		req := slices.Contains(requiredUserAttrs, a[0])
		baseProps[a[0]] = schemaAttr(a[1], "string", req)
	}
	s.lock()
	custom := s.customSchema()
	created := s.groups[s.everyoneID].created
	s.mu.Unlock()
	customProps := make(map[string]any, len(custom))
	for _, k := range slices.Sorted(maps.Keys(custom)) {
		if baseAttrSet[k] {
			continue
		}
		title := strings.ToUpper(k[:1]) + k[1:]
		customProps[k] = schemaAttr(title, custom[k], false)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id":          base + "/meta/schemas/user/default",
		"$schema":     "http://json-schema.org/draft-04/schema#",
		"name":        "user",
		"title":       "User",
		"description": "Okta user profile template with default permission settings",
		"created":     fmtTime(created),
		"lastUpdated": fmtTime(s.now()),
		"type":        "object",
		"definitions": map[string]any{
			"base": map[string]any{
				"id": "#base", "type": "object", "properties": baseProps,
				"required": []string{"login", "firstName", "lastName", "email"},
			},
			"custom": map[string]any{
				"id": "#custom", "type": "object", "properties": customProps,
				"required": []string{},
			},
		},
		"properties": map[string]any{
			"profile": map[string]any{"allOf": []map[string]string{
				{"$ref": "#/definitions/custom"}, {"$ref": "#/definitions/base"},
			}},
		},
		"_links": map[string]any{
			"self": href{Href: base + "/api/v1/meta/schemas/user/default", Method: "GET"},
			"type": href{Href: base + "/api/v1/meta/types/user/" + s.userTypeID},
		},
	})
}
