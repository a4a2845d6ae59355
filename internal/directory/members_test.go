package directory

import (
	"slices"
	"testing"
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

// Grow reserves room for the members to come, keeping those there.
func TestMemberSetGrow(t *testing.T) {
	var s MemberSet
	s.Add("b")
	s.Grow(0)
	s.Grow(100)
	if cap(s.keys) < 101 {
		t.Fatalf("cap after Grow(100) with one member = %d", cap(s.keys))
	}
	before := &s.keys[:1][0]
	for i := range 100 {
		s.Add(string(rune('c' + i)))
	}
	if &s.keys[0] != before {
		t.Error("adds after Grow reallocated")
	}
	if s.Len() != 101 || !s.Has("b") {
		t.Errorf("members after Grow: %v", s.Keys())
	}
}
