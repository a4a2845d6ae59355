package contract

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/getkin/kin-openapi/openapi3"
)

// unknownProperties walks a decoded JSON value beside its schema and
// returns the JSON pointers of object keys the schema does not declare,
// where the schema declares properties and does not explicitly allow
// others. Okta's schemas leave additionalProperties unset almost
// everywhere, so schema validation alone accepts a misspelt key
// ("lastupdated"); this check does not. It looks through allOf, and skips
// oneOf, anyOf and open objects: additionalProperties, or Okta's
// x-okta-extensible (a group profile's custom attributes).
func unknownProperties(schema *openapi3.SchemaRef, v any, at string) []string {
	if schema == nil || schema.Value == nil {
		return nil
	}
	s := schema.Value
	if len(s.OneOf) > 0 || len(s.AnyOf) > 0 {
		return nil
	}
	switch val := v.(type) {
	case []any:
		if s.Items == nil {
			return nil
		}
		var out []string
		for i, item := range val {
			out = append(out, unknownProperties(s.Items, item, fmt.Sprintf("%s/%d", at, i))...)
		}
		return out
	case map[string]any:
		props := map[string]*openapi3.SchemaRef{}
		open := s.AdditionalProperties.Has != nil && *s.AdditionalProperties.Has || s.AdditionalProperties.Schema != nil
		collectProperties(s, props, &open)
		if len(props) == 0 {
			return nil
		}
		keys := make([]string, 0, len(val))
		for k := range val {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var out []string
		for _, k := range keys {
			p, ok := props[k]
			if !ok {
				if !open {
					out = append(out, at+"/"+k)
				}
				continue
			}
			out = append(out, unknownProperties(p, val[k], at+"/"+k)...)
		}
		return out
	}
	return nil
}

// collectProperties gathers the declared properties of s and its allOf
// parts, and notes whether any part allows other properties.
func collectProperties(s *openapi3.Schema, props map[string]*openapi3.SchemaRef, open *bool) {
	for k, p := range s.Properties {
		props[k] = p
	}
	if s.AdditionalProperties.Has != nil && *s.AdditionalProperties.Has || s.AdditionalProperties.Schema != nil {
		*open = true
	}
	if ext, _ := s.Extensions["x-okta-extensible"].(bool); ext {
		*open = true
	}
	for _, part := range s.AllOf {
		if part.Value != nil {
			if len(part.Value.OneOf) > 0 || len(part.Value.AnyOf) > 0 {
				*open = true
			}
			collectProperties(part.Value, props, open)
		}
	}
}

// unknownResponseProperties decodes a JSON body (a response's or a
// request's) and checks it against schema with unknownProperties.
func unknownResponseProperties(schema *openapi3.SchemaRef, body []byte) ([]string, error) {
	if len(body) == 0 {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, fmt.Errorf("decode body: %w", err)
	}
	return unknownProperties(schema, v, ""), nil
}
