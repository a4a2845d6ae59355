package okta

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseLinkHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values []string
		want   map[string]string
	}{
		{"none", nil, map[string]string{}},
		{"okta: one line per relation", []string{
			`<https://org/api/v1/users?limit=200>; rel="self"`,
			`<https://org/api/v1/users?after=00ud4tVDDXYVKPXKVLCO&limit=200>; rel="next"`,
		}, map[string]string{"self": "https://org/api/v1/users?limit=200", "next": "https://org/api/v1/users?after=00ud4tVDDXYVKPXKVLCO&limit=200"}},
		{"comma separated", []string{`<https://a/1>; rel="self", <https://a/2>; rel="next"`},
			map[string]string{"self": "https://a/1", "next": "https://a/2"}},
		{"unquoted rel, spaces", []string{` < https://a/2 > ;rel=next `}, map[string]string{"next": "https://a/2"}},
		{"several rels", []string{`<https://a/2>; rel="next last"`}, map[string]string{"next": "https://a/2", "last": "https://a/2"}},
		{"comma inside URL and quoted param", []string{`<https://a/x?filter=a,b>; title="x, y"; rel="next"`}, map[string]string{"next": "https://a/x?filter=a,b"}},
		{"other params first", []string{`<https://a/2>; type="application/json"; REL="Next"`}, map[string]string{"next": "https://a/2"}},
		{"first link of a relation wins", []string{`<https://a/1>; rel="next"`, `<https://a/2>; rel="next"`}, map[string]string{"next": "https://a/1"}},
		{"no rel", []string{`<https://a/1>`}, map[string]string{}},
		{"unterminated", []string{`<https://a/1; rel="next"`}, map[string]string{}},
		{"empty target", []string{`<>; rel="next"`}, map[string]string{}},
		{"escaped quote", []string{`<https://a/1>; title="a\"b"; rel="next"`}, map[string]string{"next": "https://a/1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, parseLinkHeader(tt.values)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzParseLinkHeader checks that any header parses without panicking, and
// that every target found lies between angle brackets of the input.
func FuzzParseLinkHeader(f *testing.F) {
	f.Add(`<https://org/api/v1/users?limit=200>; rel="self"`, `<https://org/api/v1/users?after=00u1&limit=200>; rel="next"`)
	f.Add(`<https://a/1>; rel="self", <https://a/2>; rel="next"`, ``)
	f.Add(`<https://a/x?f=a,b>; title="x, \"y\""; rel=next`, `<`)
	f.Fuzz(func(t *testing.T, a, b string) {
		got := parseLinkHeader([]string{a, b})
		for rel, target := range got {
			if rel == "" || rel != strings.ToLower(rel) || strings.ContainsAny(rel, " \t") {
				t.Errorf("bad relation %q", rel)
			}
			if target == "" || strings.ContainsAny(target, "<>") {
				t.Errorf("bad target %q", target)
			}
			if !strings.Contains(a, "<") && !strings.Contains(b, "<") {
				t.Errorf("target %q from input without links", target)
			}
			if !strings.Contains(a, target) && !strings.Contains(b, target) {
				t.Errorf("target %q not in the input", target)
			}
		}
	})
}
