package oktasim

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Without CustomAttributes the org has the default custom attributes; an
// empty list means none beyond those the seed uses.
func TestUserSchemaDefaultCustomAttributes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		attrs []string
		want  []string
	}{
		{nil, []string{"employeeType", "hireDate"}},
		{[]string{}, nil},
	} {
		e := newEnv(t, Options{CustomAttributes: tc.attrs})
		r := e.do("GET", "/api/v1/meta/schemas/user/default", nil)
		mustStatus(t, r, 200)
		var sch struct {
			Definitions struct {
				Custom struct {
					Properties map[string]any `json:"properties"`
				} `json:"custom"`
			} `json:"definitions"`
		}
		r.json(t, &sch)
		var got []string
		for k := range sch.Definitions.Custom.Properties {
			got = append(got, k)
		}
		slices.Sort(got)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("CustomAttributes %#v: custom attributes (-want +got):\n%s", tc.attrs, diff)
		}
	}
}
