package directory

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"testing"
)

func TestAttrsRoundTrip(t *testing.T) {
	p := Profile{
		"login":   "Jo@Example.com",
		"empty":   "",
		"cleared": nil,
		"floor":   int64(-3),
		"small":   int(7),
		"big":     int64(math.MaxInt64),
		"ratio":   0.25,
		"whole":   2.0,
		"on":      true,
		"off":     false,
		"tags":    []string{"a", "", "ünï"},
		"noTags":  []string{},
		"anyTags": []any{"x", "y"},
		"mixed":   []any{"x", 1.5, nil},
		"nested":  map[string]any{"k": "v"},
	}
	a := p.Pack()
	want := Profile{
		"login": "Jo@Example.com", "empty": "", "cleared": nil,
		"floor": int64(-3), "small": int64(7), "big": int64(math.MaxInt64),
		"ratio": 0.25, "whole": int64(2), "on": true, "off": false,
		"tags": []string{"a", "", "ünï"}, "noTags": []string{},
		"anyTags": []string{"x", "y"},
		"mixed":   []any{"x", 1.5, nil},
		"nested":  map[string]any{"k": "v"},
	}
	if got := a.Map(); !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %#v\nwant %#v", got, want)
	}
	for k, v := range p {
		if got := a.Value(k); !EqualValues(k, v, got) {
			t.Errorf("%s: got %#v, want a value equal to %#v", k, got, v)
		}
	}
	if a.Len() != len(p) {
		t.Errorf("Len = %d, want %d", a.Len(), len(p))
	}
	names := slices.Collect(a.Names())
	if !slices.IsSorted(names) || len(names) != len(p) {
		t.Errorf("Names = %v, want all %d names sorted", names, len(p))
	}
	if v, ok := a.Get("cleared"); !ok || v != nil {
		t.Errorf("Get(cleared) = %v, %v; want nil, true", v, ok)
	}
	if v, ok := a.Get("absent"); ok || v != nil {
		t.Errorf("Get(absent) = %v, %v; want nil, false", v, ok)
	}
	if _, ok := a.Get("never-seen-anywhere"); ok {
		t.Error("Get of an attribute no profile has")
	}
	if got := a.Str("login"); got != "Jo@Example.com" {
		t.Errorf("Str(login) = %q", got)
	}
	if got := a.Str("floor"); got != "" {
		t.Errorf("Str of a number = %q, want empty", got)
	}
}

func TestAttrsCanonical(t *testing.T) {
	a := Profile{"login": "a@x", "title": "T", "n": int64(1), "tags": []string{"p"}}.Pack()
	// Built in another order, from other Go types of the same values.
	b := Profile{"tags": []any{"p"}, "n": int32(1), "title": "T", "login": "a@x"}.Pack()
	// As Okta's JSON decodes it: a float64 number.
	c := Profile{"tags": []any{"p"}, "n": 1.0, "title": "T", "login": "a@x"}.Pack()
	if !a.Equal(c) {
		t.Errorf("a whole float64 packed unlike the same int64: %q vs %q", a.b, c.b)
	}
	if !a.Equal(b) {
		t.Errorf("equal profiles packed differently: %q vs %q", a.b, b.b)
	}
	// with returns a's profile with name set to v; without, without name.
	with := func(name string, v any) Attrs {
		p := a.Map()
		p[name] = v
		return p.Pack()
	}
	without := func(name string) Attrs {
		p := a.Map()
		delete(p, name)
		return p.Pack()
	}
	for name, other := range map[string]Attrs{
		"changed value":   with("title", "U"),
		"extra attribute": with("city", "Paris"),
		"missing one":     without("title"),
		"cleared":         with("title", nil),
		"float not int":   with("n", 1.5),
		"case of login":   with("login", "A@x"),
	} {
		if a.Equal(other) {
			t.Errorf("%s: Equal", name)
		}
	}
	if a.Shares(b) || !a.Shares(a) || (Attrs{}).Shares(Attrs{}) {
		t.Error("Shares: want true only for one stored profile")
	}
	if !(Attrs{}).Equal(Profile{}.Pack()) || (Attrs{}).Len() != 0 {
		t.Error("the zero Attrs is not the empty profile")
	}
}

func TestAttrsJSON(t *testing.T) {
	a := Profile{"login": "a@x", "n": int64(3), "tags": []string{"p", "q"}}.Pack()
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"login":"a@x","n":3,"tags":["p","q"]}`; got != want {
		t.Errorf("JSON %s, want %s", got, want)
	}
	var back Attrs
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for k, v := range a.All() {
		if !EqualValues(k, v, back.Value(k)) {
			t.Errorf("%s: %#v after JSON, want %#v", k, back.Value(k), v)
		}
	}
}

func TestAttrsPackPanicsOnValueWithoutJSON(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("packing a channel: want a panic naming the attribute")
		}
	}()
	Profile{"login": "a@x", "bad": make(chan int)}.Pack()
}

// BenchmarkAttrsCompare is the per-user cost of the common case in diff: a
// profile read from Okta equal to the source's.
func BenchmarkAttrsCompare(b *testing.B) {
	p := Profile{"login": "user0000001@example.com", "email": "user0000001@example.com", "firstName": "Ada",
		"lastName": "Lovelace", "department": "Engineering", "title": "Title 042", "employeeType": "Employee"}
	x, y := p.Pack(), p.Pack()
	b.ReportMetric(float64(len(x.b)), "packed-bytes")
	for b.Loop() {
		if !x.Equal(y) {
			b.Fatal("not equal")
		}
	}
}
