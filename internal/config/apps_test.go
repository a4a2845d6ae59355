package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLoadApps reads the apps list in both group forms, with users, and
// names each bad entry by its index and line.
func TestLoadApps(t *testing.T) {
	t.Parallel()
	l, root := setup(t, nil)
	path := writeFile(t, filepath.Join(root, "oktasync.yaml"), minimal+`
apps:
  - app: Slack
    groups: [Engineering, Sales]
  - app: 0oa1
    groups:
      - {group: Engineering, priority: 2, profile: {role: dev}}
    users: {from: apps}
`, 0o600)
	c, err := l.load(path)
	if err != nil {
		t.Fatal(err)
	}
	two := 2
	want := []App{
		{App: "Slack", Groups: []AppGroup{{Group: "Engineering"}, {Group: "Sales"}}},
		{App: "0oa1", Groups: []AppGroup{{Group: "Engineering", Priority: &two, Profile: map[string]any{"role": "dev"}}}, Users: &AppUsers{From: "apps"}},
	}
	if d := cmp.Diff(want, c.Apps, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Where" }, cmp.Ignore())); d != "" {
		t.Errorf("apps (-want +got):\n%s", d)
	}
	if !strings.HasSuffix(c.Apps[1].Where, "oktasync.yaml line 12") {
		t.Errorf("apps[1] is at %q", c.Apps[1].Where)
	}

	tests := []struct{ yaml, field string }{
		{"apps:\n  - app: Slack\n    group: [Eng]\n", "apps[0].group"},
		{"apps:\n  - app: Slack\n", "apps[0]"},
		{"apps:\n  - groups: [Eng]\n", "apps[0].app"},
		{"apps:\n  - {app: Slack, groups: [Eng]}\n  - {app: slack, groups: [Ops]}\n", "apps[1].app"},
		{"apps:\n  - {app: Slack, groups: [Eng, Ops, eng]}\n", "apps[0].groups[2]"},
		{"apps:\n  - {app: Slack, groups: [{group: Eng, priority: -1}]}\n", "apps[0].groups[0].priority"},
		{"apps:\n  - {app: Slack, groups: [{group: Eng, rank: 1}]}\n", "apps[0].groups[0].rank"},
		{"apps:\n  - {app: Slack, users: {from: \"\"}}\n", "apps[0].users.from"},
		{"apps: Slack\n", "apps"},
		{"safety:\n  maxAppUnassignments: lots\n", "safety.maxAppUnassignments"},
	}
	for _, tt := range tests {
		path := writeFile(t, filepath.Join(root, "bad.yaml"), minimal+tt.yaml, 0o600)
		_, err := l.load(path)
		var fe *FieldError
		if !errors.As(err, &fe) {
			t.Errorf("%q: error %v, want a field error", tt.yaml, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.field+":") {
			t.Errorf("%q: error %q does not name %s", tt.yaml, err, tt.field)
		}
	}
}
