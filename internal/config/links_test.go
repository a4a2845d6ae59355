package config

import (
	"strings"
	"testing"
)

func TestValidateLinks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		change    func(c *Config)
		wantField string // "" for no error
	}{
		{"defaults", func(*Config) {}, ""},
		{"by employeeNumber", func(c *Config) { c.Mapping.Manager = ManagerMapping{From: "mgr", By: "employeeNumber"} }, ""},
		{"by a bad name", func(c *Config) { c.Mapping.Manager = ManagerMapping{From: "mgr", By: "employee number"} }, "mapping.manager.by"},
		{"by without from", func(c *Config) { c.Mapping.Manager = ManagerMapping{By: "employeeNumber"} }, "mapping.manager.by"},
		{"same names", func(c *Config) { c.Links.Associated = "manager" }, "links.associated"},
		{"bad primary", func(c *Config) { c.Links.Primary = "1boss" }, "links.primary"},
	}
	for _, tt := range tests {
		c := Default()
		tt.change(&c)
		var fields []string
		c.validateLinks(func(field, format string, args ...any) { fields = append(fields, field) })
		got := strings.Join(fields, ",")
		if got != tt.wantField {
			t.Errorf("%s: errors on %q, want %q", tt.name, got, tt.wantField)
		}
	}
}
