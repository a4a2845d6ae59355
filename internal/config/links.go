package config

import (
	"fmt"
	"strings"
)

// ManagerMapping sets each user's manager, as Okta's Linked Objects
// manager relationship, from a source column (mapping.manager).
type ManagerMapping struct {
	// From names the column holding the manager; "" manages no links.
	From string `yaml:"from" env:"OKTASYNC_MAPPING_MANAGER_FROM"`
	// By says what the column holds: ManagerByLogin (the default), the
	// manager's login, or the name of a profile attribute that identifies
	// a user, such as employeeNumber.
	By string `yaml:"by" env:"OKTASYNC_MAPPING_MANAGER_BY"`
}

// ManagerByLogin is ManagerMapping.By for a column of logins.
const ManagerByLogin = "login"

// Links names the Linked Objects definition manager links use.
type Links struct {
	// Primary is the relationship's primary name (the manager side).
	Primary string `yaml:"primary" env:"OKTASYNC_LINKS_PRIMARY"`
	// Associated is its associated name (the reports side).
	Associated string `yaml:"associated" env:"OKTASYNC_LINKS_ASSOCIATED"`
	// CreateDefinition lets a run create the definition when the org
	// lacks it; otherwise a missing definition stops the run before any
	// write.
	CreateDefinition bool `yaml:"createDefinition" env:"OKTASYNC_LINKS_CREATEDEFINITION"`
}

// Defaults of the links section.
const (
	DefaultLinkPrimary    = "manager"
	DefaultLinkAssociated = "directReports"
)

// ManagerBy returns what the manager column holds: ManagerByLogin or an
// attribute name.
func (m ManagerMapping) ManagerBy() string {
	if strings.TrimSpace(m.By) == "" {
		return ManagerByLogin
	}
	return strings.TrimSpace(m.By)
}

// validateLinks checks mapping.manager and the links section.
func (c *Config) validateLinks(bad func(field, format string, args ...any)) {
	m := c.Mapping.Manager
	if m.From == "" && m.ManagerBy() != ManagerByLogin {
		bad("mapping.manager.by", "set mapping.manager.from too: by says what the manager column holds")
	}
	if by := m.ManagerBy(); by != ManagerByLogin && !attributeName.MatchString(by) {
		bad("mapping.manager.by", "want login or a profile attribute name such as employeeNumber, got %q", by)
	}
	for _, f := range []struct{ field, v string }{{"links.primary", c.Links.Primary}, {"links.associated", c.Links.Associated}} {
		if !attributeName.MatchString(f.v) {
			bad(f.field, "want a name of letters, digits and _, starting with a letter, got %q", f.v)
		}
	}
	if c.Links.Primary == c.Links.Associated {
		bad("links.associated", "must differ from links.primary (both %q)", c.Links.Primary)
	}
}

// String describes the definition for messages: "manager/directReports".
func (l Links) String() string { return fmt.Sprintf("%s/%s", l.Primary, l.Associated) }
