package directory

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestEqualValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		attr string
		a, b any
		want bool
	}{
		{"same string", "dept", "Sales", "Sales", true},
		{"string case matters", "dept", "Sales", "sales", false},
		{"login ignores case", AttrLogin, "JDoe@Example.com", "jdoe@example.com", true},
		{"email ignores case", AttrEmail, "JDoe@Example.com", "jdoe@example.com", true},
		{"different strings", "dept", "Sales", "HR", false},
		{"nil and absent", "dept", nil, nil, true},
		{"nil and empty string", "dept", nil, "", true},
		{"nil and empty array", "tags", nil, []string{}, true},
		{"empty string and value", "dept", "", "HR", false},
		{"nil and value", "dept", nil, "HR", false},
		{"int and float64", "n", 42, 42.0, true},
		{"int64 and float32", "n", int64(3), float32(3), true},
		{"uint8 and int", "n", uint8(7), 7, true},
		{"float32 at its decimal form", "n", float32(0.1), 0.1, true},
		{"json.Number", "n", json.Number("12"), 12.0, true},
		{"json.Number fraction", "n", json.Number("1.25"), float32(1.25), true},
		{"different numbers", "n", 42, 42.5, false},
		{"zero is a value", "n", 0, nil, false},
		{"number and string", "n", 42, "42", false},
		{"bools", "b", true, true, true},
		{"false is a value", "b", false, nil, false},
		{"bool and string", "b", true, "true", false},
		{"[]string and []any", "tags", []string{"a", "b"}, []any{"a", "b"}, true},
		{"array order matters", "tags", []string{"a", "b"}, []any{"b", "a"}, false},
		{"array lengths", "tags", []string{"a"}, []any{"a", "b"}, false},
		{"number arrays", "ns", []int64{1, 2}, []any{1.0, 2.0}, true},
		{"array and string", "tags", []string{"a"}, "a", false},
		{"array elements keep case", AttrEmail, []string{"A"}, []string{"a"}, false},
		{"big integers stay exact", "n", int64(1<<53 + 1), int64(1 << 53), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := EqualValues(tt.attr, tt.a, tt.b); got != tt.want {
				t.Errorf("EqualValues(%q, %#v, %#v) = %v, want %v", tt.attr, tt.a, tt.b, got, tt.want)
			}
			if got := EqualValues(tt.attr, tt.b, tt.a); got != tt.want {
				t.Errorf("EqualValues(%q, %#v, %#v) = %v, want %v (reversed)", tt.attr, tt.b, tt.a, got, tt.want)
			}
			na, nb := NormalizeValue(tt.attr, tt.a), NormalizeValue(tt.attr, tt.b)
			if got := reflect.DeepEqual(na, nb); got != tt.want {
				t.Errorf("normalised %#v and %#v: DeepEqual = %v, want %v", na, nb, got, tt.want)
			}
		})
	}
}

func TestNormalizeValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		attr string
		in   any
		want any
	}{
		{"dept", "", nil},
		{"dept", "Sales", "Sales"},
		{AttrLogin, "JDoe@X.com", "jdoe@x.com"},
		{"n", 2.0, int64(2)},
		{"n", 2.5, 2.5},
		{"n", uint16(9), int64(9)},
		{"tags", []string{"a", "b"}, []any{"a", "b"}},
		{"ns", []float64{1, 1.5}, []any{int64(1), 1.5}},
		{"tags", []any{}, nil},
		{"b", false, false},
	}
	for _, tt := range tests {
		if got := NormalizeValue(tt.attr, tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("NormalizeValue(%q, %#v) = %#v, want %#v", tt.attr, tt.in, got, tt.want)
		}
	}
}

func TestCloneValueSharesNothing(t *testing.T) {
	t.Parallel()
	s := []string{"a"}
	c := CloneValue(s).([]string)
	c[0] = "b"
	if s[0] != "a" {
		t.Error("CloneValue([]string) shares its backing array")
	}
	a := []any{"a", []string{"x"}}
	ca := CloneValue(a).([]any)
	ca[1].([]string)[0] = "y"
	if a[1].([]string)[0] != "x" {
		t.Error("CloneValue([]any) shares a nested array")
	}
}
