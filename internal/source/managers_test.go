package source

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/directory"
)

// The manager column becomes each user's manager reference, with its row,
// and never a profile attribute; a missing column is an error naming it.
func TestManagerColumn(t *testing.T) {
	t.Parallel()
	m := config.Mapping{Passthrough: true, EmptyValues: config.EmptyIgnore, Manager: config.ManagerMapping{From: "manager"}}
	input := "login,email,firstName,lastName,manager\n" +
		"a@x,a@x,A,A,\n" +
		"b@x,b@x,B,B, a@x \n"
	d, err := readUsersFile(t, input, WithMapping(m))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]directory.ManagerRef{"b@x": {Value: "a@x", Origin: "users.csv line 3"}}
	if diff := cmp.Diff(want, d.Managers); diff != "" {
		t.Errorf("Managers (-want +got):\n%s", diff)
	}
	if v := d.Users["b@x"].Profile.Value("manager"); v != nil {
		t.Errorf("profile attribute manager = %v, want none: the column holds a link", v)
	}

	// A rule may read the manager column too, for the plain managerId
	// attribute.
	m.Attributes = []config.AttributeMapping{{Attribute: "managerId", From: "manager"}}
	d, err = readUsersFile(t, input, WithMapping(m))
	if err != nil {
		t.Fatal(err)
	}
	if v := d.Users["b@x"].Profile.Value("managerId"); v != "a@x" || d.Managers["b@x"].Value != "a@x" {
		t.Errorf("with a managerId rule: managerId = %v, manager %+v; want a@x for both", v, d.Managers["b@x"])
	}

	m.Manager.From = "boss"
	_, err = readUsersFile(t, input, WithMapping(m))
	if err == nil || !strings.Contains(err.Error(), `mapping.manager.from: no column "boss"`) {
		t.Errorf("read with a missing manager column: err = %v, want one naming it", err)
	}
}
