package okta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// MarshalJSON writes the profile's name, description (when not empty) and
// custom attributes (sorted) as one object.
func (p GroupProfile) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	field := func(k string, v any) error {
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("group profile attribute %s: %w", k, err)
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
		return nil
	}
	b.WriteByte('{')
	_ = field("name", p.Name)
	if p.Description != "" {
		_ = field("description", p.Description)
	}
	for _, k := range slices.Sorted(maps.Keys(p.Attrs)) {
		if k == "name" || k == "description" {
			continue
		}
		if err := field(k, p.Attrs[k]); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads name and description, and every other attribute
// into Attrs.
func (p *GroupProfile) UnmarshalJSON(b []byte) error {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*p = GroupProfile{}
	p.Name, _ = m["name"].(string)
	p.Description, _ = m["description"].(string)
	delete(m, "name")
	delete(m, "description")
	if len(m) > 0 {
		p.Attrs = m
	}
	return nil
}
