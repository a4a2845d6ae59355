package okta

import (
	"encoding/json"
	"maps"
)

// MarshalJSON writes the profile's name, description (when not empty) and
// custom attributes as one object.
func (p GroupProfile) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(p.Attrs)+2)
	maps.Copy(m, p.Attrs)
	m["name"] = p.Name
	if p.Description != "" {
		m["description"] = p.Description
	} else {
		delete(m, "description")
	}
	return json.Marshal(m)
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
