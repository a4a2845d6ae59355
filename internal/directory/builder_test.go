package directory

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// builderNames are the attribute names the builder tests draw from: the
// required ones and a few custom ones, in no particular order.
var builderNames = []string{"title", AttrLogin, "department", AttrEmail, "costCenter", AttrFirstName, "zeta", AttrLastName, "a", "employeeNumber"}

// builderValue returns a value of one of the shapes a profile holds.
func builderValue(r *rand.Rand) any {
	switch r.IntN(16) {
	case 0:
		return nil
	case 1:
		return ""
	case 2:
		return "ünïcode " + string(rune('a'+r.IntN(26)))
	case 3:
		return int64(r.IntN(2000) - 1000)
	case 4:
		return r.IntN(100)
	case 5:
		return float64(r.IntN(50))
	case 6:
		return r.Float64() * 1000
	case 7:
		return math.Copysign(0, -1)
	case 8:
		return r.IntN(2) == 0
	case 9:
		return []string{"x", "", "y"}[:r.IntN(4)]
	case 10:
		return []any{"a", "b"}
	case 11:
		return []any{"a", 1.5, nil}
	case 12:
		return map[string]any{"k": "v"}
	case 13:
		return int32(-7)
	case 14:
		return float64(math.MaxInt64)
	}
	return "text" + string(rune('0'+r.IntN(10)))
}

// TestProfileBuilderPacksAsProfile sets the same attributes, in random
// order and with some set twice, in a Profile and in one reused builder,
// and wants the same packed bytes and the same answers from both.
func TestProfileBuilderPacksAsProfile(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var b ProfileBuilder
	for n := range 5000 {
		p := Profile{}
		b.Reset()
		for range r.IntN(2 * len(builderNames)) {
			name := builderNames[r.IntN(len(builderNames))]
			v := builderValue(r)
			p[name] = v
			if s, ok := v.(string); ok && r.IntN(2) == 0 {
				b.SetString(name, s)
			} else {
				b.Set(name, v)
			}
		}
		checkBuilderAnswers(t, n, p, &b)
		want, got := p.Pack(), b.Pack()
		if !got.Equal(want) {
			t.Fatalf("profile %d: builder packs %q, Profile.Pack %q (%v)", n, got.b, want.b, p)
		}
		names := b.AppendNames(nil)
		if wantNames := slices.Collect(want.Names()); !slices.Equal(names, wantNames) {
			t.Fatalf("profile %d: names after Pack %v, want %v", n, names, wantNames)
		}
	}
}

// checkBuilderAnswers compares the builder's Len, Get and String with the
// profile's.
func checkBuilderAnswers(t *testing.T, n int, p Profile, b *ProfileBuilder) {
	t.Helper()
	if b.Len() != len(p) {
		t.Fatalf("profile %d: Len %d, want %d", n, b.Len(), len(p))
	}
	for _, name := range append(slices.Clone(builderNames), "absent") {
		want, wantOK := p[name]
		got, ok := b.Get(name)
		if ok != wantOK || !EqualValues("", got, want) || (got == nil) != (want == nil) {
			t.Fatalf("profile %d: Get(%s) = %#v, %v; want %#v, %v", n, name, got, ok, want, wantOK)
		}
		ws, wantStr := want.(string)
		if s, isStr := b.String(name); s != ws || isStr != wantStr {
			t.Fatalf("profile %d: String(%s) = %q, %v; want %q, %v", n, name, s, isStr, ws, wantStr)
		}
	}
}

func TestProfileBuilderEmpty(t *testing.T) {
	var b ProfileBuilder
	if a := b.Pack(); a != (Attrs{}) {
		t.Errorf("empty builder packs %q, want the zero Attrs", a.b)
	}
	b.SetString(AttrLogin, "jo@example.com")
	b.Reset()
	if a := b.Pack(); a != (Attrs{}) || b.Len() != 0 {
		t.Errorf("reset builder packs %q (Len %d), want the zero Attrs", a.b, b.Len())
	}
}

// FuzzProfileBuilder drives a builder and a Profile with the same
// operations, read from the fuzzer's bytes, and wants the same packing.
func FuzzProfileBuilder(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7}, "jo")
	f.Add([]byte{9, 9, 9, 9, 0, 0, 0, 0}, "")
	f.Fuzz(func(t *testing.T, ops []byte, text string) {
		p := Profile{}
		var b ProfileBuilder
		for i := 0; i+1 < len(ops); i += 2 {
			name := builderNames[int(ops[i])%len(builderNames)]
			var v any
			switch ops[i+1] % 5 {
			case 0:
				v = nil
			case 1:
				v = text
			case 2:
				v = int64(ops[i+1]) - 100
			case 3:
				v = []string{text, name}
			case 4:
				v = float64(ops[i+1]) / 8
			}
			p[name] = v
			b.Set(name, v)
		}
		if want, got := p.Pack(), b.Pack(); !got.Equal(want) {
			t.Fatalf("builder packs %q, Profile.Pack %q (%v)", got.b, want.b, p)
		}
	})
}
