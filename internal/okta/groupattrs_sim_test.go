package okta

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/oktasync/oktasync/internal/oktasim"
)

func TestGroupProfileJSON(t *testing.T) {
	t.Parallel()
	p := GroupProfile{Name: "Eng", Attrs: map[string]any{"floor": 3, "costCode": "CC"}}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"name":"Eng","costCode":"CC","floor":3}` {
		t.Errorf("marshal = %s", b)
	}
	var back GroupProfile
	if err := json.Unmarshal([]byte(`{"name":"Eng","description":"E","floor":3,"tags":["a"]}`), &back); err != nil {
		t.Fatal(err)
	}
	want := GroupProfile{Name: "Eng", Description: "E", Attrs: map[string]any{"floor": 3.0, "tags": []any{"a"}}}
	if diff := cmp.Diff(want, back); diff != "" {
		t.Errorf("unmarshal (-want +got):\n%s", diff)
	}
}

func TestGroupSchemaAndAttributesSim(t *testing.T) {
	t.Parallel()
	_, c := simOrg(t, oktasim.Options{GroupCustomAttributes: []string{"costCode", "floor:integer"}}, nil)
	ctx := context.Background()
	sc, _, err := c.Schemas.GetDefaultGroupSchema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"costCode", "floor"}, sc.CustomAttributes()); diff != "" {
		t.Errorf("custom attributes (-want +got):\n%s", diff)
	}
	if a, ok := sc.Attribute("floor"); !ok || a.Type != "integer" {
		t.Errorf("floor = %+v, %v", a, ok)
	}
	g, _, err := c.Groups.Create(ctx, GroupProfile{Name: "Eng", Attrs: map[string]any{"costCode": "CC-1", "floor": int64(2)}})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := c.Groups.Get(ctx, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"costCode": "CC-1", "floor": 2.0}, got.Profile.Attrs); diff != "" {
		t.Errorf("attributes read back (-want +got):\n%s", diff)
	}
	_, _, err = c.Groups.Update(ctx, g.ID, GroupProfile{Name: "Eng", Attrs: map[string]any{"owner": "x"}})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode != "E0000001" {
		t.Errorf("update with an attribute the schema lacks: err = %v, want E0000001", err)
	}
}
