package config

import (
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// App names an Okta app whose assignments oktasync manages (the apps
// list): the source's groups assigned to it and, optionally, the source's
// users assigned to it directly.
type App struct {
	// App is the app's label, as the admin console shows it, or its id
	// (0oa…).
	App string `yaml:"app"`
	// Groups are source groups assigned to the app. In the file each is a
	// group name, or {group, priority, profile}.
	Groups []AppGroup `yaml:"groups"`
	// Users, when set, assigns the app directly to the source users whose
	// Users.From column lists it.
	Users *AppUsers `yaml:"users"`
	// Where locates the entry for messages ("oktasync.yaml line 40").
	Where string `yaml:"-"`
}

// AppGroup is a group assignment of an app.
type AppGroup struct {
	// Group is the source group's name.
	Group string `yaml:"group"`
	// Priority is the assignment's priority (0 first); nil lets Okta
	// choose.
	Priority *int `yaml:"priority"`
	// Profile holds app profile attributes the assignment sets.
	Profile map[string]any `yaml:"profile"`
}

// AppUsers says which source users the app is assigned to directly.
type AppUsers struct {
	// From names the source column that lists each user's apps (labels or
	// ids, separated by ";" as in the groups column).
	From string `yaml:"from"`
}

var appsType = reflect.TypeFor[[]App]()

// decodeApps decodes the apps list, so that every problem names its entry
// (apps[0].groups[1]) and line.
func (d *decoder) decodeApps(n *yaml.Node, fv reflect.Value, key string) {
	n = resolveAlias(n)
	d.set[d.canonKey(key)] = true
	if isNull(n) {
		fv.Set(reflect.Zero(fv.Type()))
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n, key, "want a list of apps, such as - {app: Slack, groups: [Engineering]}, not %s", describeNode(n))
		return
	}
	apps := make([]App, 0, len(n.Content))
	for i, item := range n.Content {
		item = resolveAlias(item)
		path := fmt.Sprintf("%s[%d]", key, i)
		a := App{Where: fmt.Sprintf("%s line %d", d.where, item.Line)}
		if item.Kind != yaml.MappingNode {
			d.fail(item, path, "want a mapping such as {app: Slack, groups: [Engineering]}, not %s", describeNode(item))
			continue
		}
		for j := 0; j+1 < len(item.Content); j += 2 {
			k, val := item.Content[j], resolveAlias(item.Content[j+1])
			kp := path + "." + k.Value
			switch k.Value {
			case "app":
				d.decodeLeaf(val, reflect.ValueOf(&a.App).Elem(), kp)
			case "groups":
				a.Groups = d.decodeAppGroups(val, kp)
			case "users":
				a.Users = &AppUsers{}
				d.decodeStruct(val, reflect.ValueOf(a.Users).Elem(), kp)
			default:
				msg := "unknown key"
				if s := Suggest(k.Value, []string{"app", "groups", "users"}); s != "" {
					msg += fmt.Sprintf(" (did you mean %s.%s?)", path, s)
				}
				d.fail(k, kp, "%s", msg)
			}
		}
		apps = append(apps, a)
	}
	fv.Set(reflect.ValueOf(apps))
}

// decodeAppGroups decodes an app's groups: names, or {group, priority,
// profile}.
func (d *decoder) decodeAppGroups(n *yaml.Node, key string) []AppGroup {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n, key, "want a list of group names, not %s", describeNode(n))
		return nil
	}
	var out []AppGroup
	for i, item := range n.Content {
		item = resolveAlias(item)
		path := fmt.Sprintf("%s[%d]", key, i)
		var g AppGroup
		switch item.Kind {
		case yaml.ScalarNode:
			d.decodeLeaf(item, reflect.ValueOf(&g.Group).Elem(), path)
		case yaml.MappingNode:
			for j := 0; j+1 < len(item.Content); j += 2 {
				k, val := item.Content[j], resolveAlias(item.Content[j+1])
				kp := path + "." + k.Value
				switch k.Value {
				case "group":
					d.decodeLeaf(val, reflect.ValueOf(&g.Group).Elem(), kp)
				case "priority":
					var p int
					d.decodeLeaf(val, reflect.ValueOf(&p).Elem(), kp)
					g.Priority = &p
				case "profile":
					if val.Kind != yaml.MappingNode {
						d.fail(val, kp, "want a mapping of app profile attributes, not %s", describeNode(val))
						continue
					}
					if err := val.Decode(&g.Profile); err != nil {
						d.fail(val, kp, "%v", err)
					}
				default:
					d.fail(k, kp, "unknown key (want group, priority or profile)")
				}
			}
		default:
			d.fail(item, path, "want a group name or {group, priority, profile}, not %s", describeNode(item))
			continue
		}
		out = append(out, g)
	}
	return out
}

// validateApps checks the apps list: each entry names an app once, with
// groups or users; group names are set and not repeated within an app;
// priorities are not negative. Whether the groups are the source's, and
// the apps Okta's, is checked when the source and Okta are read.
func (c *Config) validateApps(bad func(field, format string, args ...any)) {
	seen := map[string]string{}
	for i, a := range c.Apps {
		f := fmt.Sprintf("apps[%d]", i)
		name := strings.TrimSpace(a.App)
		switch {
		case name == "":
			bad(f+".app", "required: the app's label or id (0oa…)")
		case seen[strings.ToLower(name)] != "":
			bad(f+".app", "app %q is already listed at %s; list each app once", name, seen[strings.ToLower(name)])
		default:
			seen[strings.ToLower(name)] = f
		}
		if len(a.Groups) == 0 && a.Users == nil {
			bad(f, "assigns the app to nothing: set groups, users, or both")
		}
		groups := map[string]int{}
		for j, g := range a.Groups {
			gf := fmt.Sprintf("%s.groups[%d]", f, j)
			k := strings.ToLower(strings.TrimSpace(g.Group))
			if k == "" {
				bad(gf, "a group name is required")
				continue
			}
			if prev, dup := groups[k]; dup {
				bad(gf, "group %q is already listed at %s.groups[%d]", g.Group, f, prev)
			}
			groups[k] = j
			if g.Priority != nil && *g.Priority < 0 {
				bad(gf+".priority", "must not be negative, got %d", *g.Priority)
			}
		}
		if a.Users != nil && strings.TrimSpace(a.Users.From) == "" {
			bad(f+".users.from", "required: the source column listing each user's apps")
		}
	}
}
