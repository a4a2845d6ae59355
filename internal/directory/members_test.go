package directory

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"
)

func TestMemberSet(t *testing.T) {
	var s MemberSet
	for _, k := range []string{"c", "a", "b", "a", "c", "d", "d"} {
		s.Add(k)
	}
	if got := s.Keys(); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
		t.Fatalf("Keys = %v", got)
	}
	s.Add("d") // a repeat of the last member of a sorted set
	s.Add("e") // after the last: stays sorted
	s.Add("0") // before the first
	if got := slices.Collect(s.All()); !slices.Equal(got, []string{"0", "a", "b", "c", "d", "e"}) {
		t.Fatalf("All = %v", got)
	}
	if s.Has("zz") || !s.Has("c") || s.Len() != 6 {
		t.Errorf("Has(zz), Has(c), Len of %v", s.Keys())
	}
	keys := s.Keys()
	keys[0] = "changed"
	if !s.Has("0") || s.Has("changed") {
		t.Error("Keys shares the set's storage")
	}
	var none *MemberSet
	if none.Has("a") || none.Len() != 0 || none.Keys() != nil {
		t.Error("a nil set is not empty")
	}
	for range none.All() {
		t.Error("a nil set yields members")
	}
}

func TestMemberSetConcurrentAdds(t *testing.T) {
	var s MemberSet
	done := make(chan bool)
	for w := range 4 {
		go func() {
			for i := range 500 {
				s.Add(string(rune('a'+w)) + string(rune('a'+i%26)))
				if i%50 == 0 {
					s.Has("aa")
				}
			}
			done <- true
		}()
	}
	for range 4 {
		<-done
	}
	if s.Len() != 4*26 {
		t.Errorf("Len = %d, want %d", s.Len(), 4*26)
	}
}

func TestDifference(t *testing.T) {
	set := func(keys ...string) *MemberSet {
		s := new(MemberSet)
		for _, k := range keys {
			s.Add(k)
		}
		return s
	}
	for _, tc := range []struct {
		a, b         *MemberSet
		onlyA, onlyB []string
	}{
		{set("a", "b", "c"), set("b", "c", "d"), []string{"a"}, []string{"d"}},
		{set("c", "a", "e", "a"), set("b", "d"), []string{"a", "c", "e"}, []string{"b", "d"}},
		{set("a", "b"), set("a", "b"), nil, nil},
		{nil, set("x", "y"), nil, []string{"x", "y"}},
		{set("x"), nil, []string{"x"}, nil},
		{set("a", "z"), set("m"), []string{"a", "z"}, []string{"m"}},
		{nil, nil, nil, nil},
	} {
		onlyA, onlyB := Difference(tc.a, tc.b)
		if !slices.Equal(onlyA, tc.onlyA) || !slices.Equal(onlyB, tc.onlyB) {
			t.Errorf("Difference(%v, %v) = %v, %v; want %v, %v", tc.a.Keys(), tc.b.Keys(), onlyA, onlyB, tc.onlyA, tc.onlyB)
		}
	}
}

// TestMemberSetManyAdds adds enough keys to fill several chunks, with
// repeats and reads in between, and checks the set against a map.
func TestMemberSetManyAdds(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var s MemberSet
	want := make(map[string]bool)
	for i := range 20000 {
		k := fmt.Sprintf("u%05d", rng.IntN(15000))
		s.Add(k)
		want[k] = true
		if i%7001 == 0 && !s.Has(k) { // a read between adds settles the set
			t.Fatalf("after adding %q, Has is false", k)
		}
	}
	got := s.Keys()
	if len(got) != len(want) || s.Len() != len(want) {
		t.Fatalf("%d keys, Len %d; want %d", len(got), s.Len(), len(want))
	}
	if !slices.IsSorted(got) {
		t.Fatal("keys not sorted")
	}
	for _, k := range got {
		if !want[k] {
			t.Fatalf("unexpected key %q", k)
		}
	}
}

// Grow reserves one chunk for the members to come: the adds fill it
// without taking another, and the members added before stay.
func TestMemberSetGrow(t *testing.T) {
	var s MemberSet
	s.Add("b")
	s.Grow(0)
	s.Grow(100)
	chunks := len(s.pending)
	for i := range 100 {
		s.Add(string(rune('c' + i)))
	}
	if len(s.pending) != chunks {
		t.Errorf("100 adds after Grow(100) took %d more chunks", len(s.pending)-chunks)
	}
	if s.Len() != 101 || !s.Has("b") {
		t.Errorf("members after Grow: %v", s.Keys())
	}
}

func TestMemberSetIndex(t *testing.T) {
	var s MemberSet
	for i := range 5000 {
		s.Add(fmt.Sprintf("u%04d@example.com", 2*i)) // even numbers only
	}
	x := s.Index()
	for i := range 10000 {
		k := fmt.Sprintf("u%04d@example.com", i)
		own, ok := x.Find(k)
		if ok != (i%2 == 0) || (ok && own != k) || (!ok && own != "") {
			t.Fatalf("Find(%q) = %q, %v", k, own, ok)
		}
		if ok && unsafe.StringData(own) == unsafe.StringData(k) {
			t.Fatalf("Find(%q) did not give the set's own key", k)
		}
	}
	if _, ok := x.Find(""); ok {
		t.Error(`Find("") found a key`)
	}
	var none *MemberSet
	if own, ok := none.Index().Find("x"); ok || own != "" {
		t.Errorf("nil set's index: %q, %v", own, ok)
	}
}
