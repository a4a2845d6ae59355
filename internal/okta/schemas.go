package okta

import (
	"context"
	"net/http"
	"slices"
)

// SchemasService reads user schemas (/api/v1/meta/schemas).
type SchemasService service

// UserSchema is a user type's profile schema.
type UserSchema struct {
	ID          string                `json:"id,omitempty"`
	Name        string                `json:"name,omitempty"`
	Title       string                `json:"title,omitempty"`
	Type        string                `json:"type,omitempty"`
	Definitions UserSchemaDefinitions `json:"definitions"`
}

// UserSchemaDefinitions holds the base (Okta-defined) and custom
// subschemas.
type UserSchemaDefinitions struct {
	Base   UserSchemaPart `json:"base"`
	Custom UserSchemaPart `json:"custom"`
}

// UserSchemaPart is one subschema.
type UserSchemaPart struct {
	ID         string                         `json:"id,omitempty"`
	Type       string                         `json:"type,omitempty"`
	Properties map[string]UserSchemaAttribute `json:"properties"`
	Required   []string                       `json:"required,omitempty"`
}

// UserSchemaAttribute describes one profile attribute.
type UserSchemaAttribute struct {
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Type        string `json:"type,omitempty"`
	Format      string `json:"format,omitempty"`
	Required    bool   `json:"required,omitempty"`
	Mutability  string `json:"mutability,omitempty"`
	Scope       string `json:"scope,omitempty"`
	Unique      any    `json:"unique,omitempty"`
	MinLength   *int   `json:"minLength,omitempty"`
	MaxLength   *int   `json:"maxLength,omitempty"`
	Enum        []any  `json:"enum,omitempty"`
	Items       *struct {
		Type string `json:"type,omitempty"`
	} `json:"items,omitempty"`
}

// BaseAttributes returns the names of the base attributes, sorted.
func (s *UserSchema) BaseAttributes() []string { return sortedKeys(s.Definitions.Base.Properties) }

// CustomAttributes returns the names of the custom attributes, sorted.
func (s *UserSchema) CustomAttributes() []string { return sortedKeys(s.Definitions.Custom.Properties) }

// AttributeNames returns every profile attribute name, base and custom,
// sorted.
func (s *UserSchema) AttributeNames() []string {
	names := append(s.BaseAttributes(), s.CustomAttributes()...)
	slices.Sort(names)
	return slices.Compact(names)
}

// HasAttribute reports whether name is a base or custom attribute.
func (s *UserSchema) HasAttribute(name string) bool {
	_, base := s.Definitions.Base.Properties[name]
	_, custom := s.Definitions.Custom.Properties[name]
	return base || custom
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// GetDefaultUserSchema returns the default user type's schema.
func (s *SchemasService) GetDefaultUserSchema(ctx context.Context) (*UserSchema, *Response, error) {
	sc := new(UserSchema)
	resp, err := s.client.do(ctx, &request{method: http.MethodGet, path: "/api/v1/meta/schemas/user/default", out: sc, idempotent: true})
	if err != nil {
		return nil, resp, err
	}
	return sc, resp, nil
}

// GroupSchema is the org's group profile schema: base attributes (name,
// description) and the custom ones an admin added. It has the shape of a
// user schema.
type GroupSchema struct {
	ID          string                `json:"id,omitempty"`
	Name        string                `json:"name,omitempty"`
	Title       string                `json:"title,omitempty"`
	Type        string                `json:"type,omitempty"`
	Definitions UserSchemaDefinitions `json:"definitions"`
}

// CustomAttributes returns the names of the custom attributes, sorted.
func (s *GroupSchema) CustomAttributes() []string { return sortedKeys(s.Definitions.Custom.Properties) }

// Attribute returns the definition of a base or custom attribute.
func (s *GroupSchema) Attribute(name string) (UserSchemaAttribute, bool) {
	if a, ok := s.Definitions.Custom.Properties[name]; ok {
		return a, true
	}
	a, ok := s.Definitions.Base.Properties[name]
	return a, ok
}

// GetDefaultGroupSchema returns the org's group schema
// (GET /api/v1/meta/schemas/group/default).
func (s *SchemasService) GetDefaultGroupSchema(ctx context.Context) (*GroupSchema, *Response, error) {
	sc := new(GroupSchema)
	resp, err := s.client.do(ctx, &request{method: http.MethodGet, path: "/api/v1/meta/schemas/group/default", out: sc, idempotent: true})
	if err != nil {
		return nil, resp, err
	}
	return sc, resp, nil
}
