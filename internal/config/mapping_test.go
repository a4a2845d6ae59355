package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadMapping(t *testing.T) {
	t.Parallel()
	l, root := setup(t, map[string]string{"OKTASYNC_MAPPING_EMPTYVALUES": "clear"})
	path := writeFile(t, filepath.Join(root, "oktasync.yaml"), minimal+`
mapping:
  passthrough: false
  attributes:
    login: {from: email, transform: [trim, lower]}
    title: job_title
    floor: {from: floor, type: integer}
    employeeType: {value: "hr"}
    costCenter: {value: ""}
    displayName: {template: "{{.firstName}} {{.lastName}}"}
    nickName: {from: nick, emptyValue: clear, transform: upper}
`, 0o600)
	c, err := l.load(path)
	if err != nil {
		t.Fatal(err)
	}
	where := func(line int) string { return fmt.Sprintf("%s line %d", path, line) }
	want := Mapping{
		Passthrough: false,
		EmptyValues: EmptyClear,
		Attributes: []AttributeMapping{
			{Attribute: "login", From: "email", Transform: []string{"trim", "lower"}, Where: where(12)},
			{Attribute: "title", From: "job_title", Where: where(13)},
			{Attribute: "floor", From: "floor", Type: TypeInteger, Where: where(14)},
			{Attribute: "employeeType", Value: "hr", HasValue: true, Where: where(15)},
			{Attribute: "costCenter", HasValue: true, Where: where(16)},
			{Attribute: "displayName", Template: "{{.firstName}} {{.lastName}}", Where: where(17)},
			{Attribute: "nickName", From: "nick", EmptyValue: EmptyClear, Transform: []string{"upper"}, Where: where(18)},
		},
	}
	if diff := cmp.Diff(want, c.Mapping); diff != "" {
		t.Errorf("mapping (-want +got):\n%s", diff)
	}
}

func TestLoadMappingDefaults(t *testing.T) {
	t.Parallel()
	l, root := setup(t, nil)
	path := writeFile(t, filepath.Join(root, "oktasync.yaml"), minimal, 0o600)
	c, err := l.load(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Mapping{Passthrough: true, EmptyValues: EmptyIgnore}, c.Mapping); diff != "" {
		t.Errorf("default mapping (-want +got):\n%s", diff)
	}
}

func TestLoadMappingErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		yaml  string
		field string
		want  []string
	}{
		{"not a mapping", "  attributes: [title]\n", "mapping.attributes", []string{"want a mapping from Okta attribute name"}},
		{"empty rule", "  attributes:\n    title:\n", "mapping.attributes.title", []string{"want a rule"}},
		{"unknown rule key", "  attributes:\n    title: {form: job}\n", "mapping.attributes.title.form", []string{"unknown key", "did you mean mapping.attributes.title.from"}},
		{"two sources", "  attributes:\n    title: {from: a, value: b}\n", "mapping.attributes.title", []string{"line 11", "exactly one of from"}},
		{"no source", "  attributes:\n    title: {type: string}\n", "mapping.attributes.title", []string{"exactly one of from"}},
		{"bad name", "  attributes:\n    2title: a\n", "mapping.attributes.2title", []string{"not an Okta attribute name"}},
		{"reserved", "  attributes:\n    groups: dept\n", "mapping.attributes.groups", []string{"own meaning"}},
		{"password", "  attributes:\n    secondEmail: password\n", "mapping.attributes.secondEmail.from", []string{"never copied"}},
		{"transform", "  attributes:\n    title: {from: a, transform: [lowr]}\n", "mapping.attributes.title.transform", []string{`unknown transform "lowr"`, "did you mean lower"}},
		{"type", "  attributes:\n    title: {from: a, type: int}\n", "mapping.attributes.title.type", []string{`unknown type "int"`}},
		{"empty value", "  attributes:\n    title: {from: a, emptyValue: drop}\n", "mapping.attributes.title.emptyValue", []string{"want ignore or clear"}},
		{"template", "  attributes:\n    title: {template: \"{{.a\"}\n", "mapping.attributes.title.template", []string{"unclosed action"}},
		{"template func", "  attributes:\n    title: {template: \"{{title .a}}\"}\n", "mapping.attributes.title.template", []string{`function "title" not defined`}},
		{"emptyValues", "  emptyValues: keep\n", "mapping.emptyValues", []string{"want ignore"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, root := setup(t, nil)
			path := writeFile(t, filepath.Join(root, "oktasync.yaml"), minimal+"\nmapping:\n"+tt.yaml, 0o600)
			_, err := l.load(path)
			if err == nil {
				t.Fatal("load succeeded")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid: %v", err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Errorf("field error %v, want field %s", fe, tt.field)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestTemplateFuncs(t *testing.T) {
	t.Parallel()
	f := TemplateFuncs()
	tests := []struct {
		fn   string
		args []any
		want any
	}{
		{"lower", []any{"MiXed"}, "mixed"},
		{"upper", []any{"MiXed"}, "MIXED"},
		{"trim", []any{"  a b  "}, "a b"},
		{"lower", []any{int64(42)}, "42"},
		{"upper", []any{[]string{"a", "b"}}, "A;B"},
		{"trim", []any{nil}, ""},
		{"default", []any{"none", ""}, "none"},
		{"default", []any{"none", nil}, "none"},
		{"default", []any{"none", "x"}, "x"},
		{"default", []any{"none", int64(0)}, int64(0)},
	}
	for _, tt := range tests {
		var got any
		switch fn := f[tt.fn].(type) {
		case func(any) string:
			got = fn(tt.args[0])
		case func(any, any) any:
			got = fn(tt.args[0], tt.args[1])
		}
		if got != tt.want {
			t.Errorf("%s%v = %#v, want %#v", tt.fn, tt.args, got, tt.want)
		}
	}
}

// The rules config.example.yaml shows, uncommented, are valid.
func TestExampleMappingValidates(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, line := range strings.Split(string(data), "\n") {
		if m := commentedKey.FindStringSubmatch(line); m != nil {
			line = m[1] + m[2]
		}
		lines = append(lines, line)
	}
	root, err := parseYAML([]byte(strings.Join(lines, "\n")), "uncommented example")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Default()
	dec := newDecoder("uncommented example", true, func(string) (string, bool) { return "x", true })
	dec.decodeStruct(root, reflect.ValueOf(&cfg).Elem(), "")
	for _, e := range dec.errs {
		t.Error(e)
	}
	if len(cfg.Mapping.Attributes) < 5 {
		t.Fatalf("the example shows %d rules", len(cfg.Mapping.Attributes))
	}
	for _, err := range cfg.validateMapping() {
		t.Error(err)
	}
}
