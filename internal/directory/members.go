package directory

import (
	"iter"
	"slices"
	"sync"
)

// MemberSet is the set of a group's members, by LoginKey.
//
// It is a slice rather than a map: a directory of a million users in three
// groups each holds three million memberships, and a sorted slice of login
// keys (which share the users' storage) costs 16 bytes a member where a map
// costs two to three times that. Adds append; the first read after an add
// sorts the slice and drops repeats. It is safe for concurrent use, and its
// methods accept a nil set as empty.
type MemberSet struct {
	mu     sync.Mutex
	keys   []string
	sorted bool
}

// Add puts the login key lk in the set.
func (s *MemberSet) Add(lk string) {
	s.mu.Lock()
	if n := len(s.keys); n > 0 && s.sorted && s.keys[n-1] >= lk {
		s.sorted = s.keys[n-1] == lk // already the last member
		if s.sorted {
			s.mu.Unlock()
			return
		}
	}
	s.keys = append(s.keys, lk)
	s.mu.Unlock()
}

// Grow makes room for n more members, for a reader that knows about how
// many it is going to add: appends then need no growing.
func (s *MemberSet) Grow(n int) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	s.keys = slices.Grow(s.keys, n)
	s.mu.Unlock()
}

// settle sorts the keys and drops repeats; s.mu is held.
func (s *MemberSet) settle() {
	if s.sorted {
		return
	}
	slices.Sort(s.keys)
	s.keys = slices.Compact(s.keys)
	if cap(s.keys) > len(s.keys) {
		s.keys = slices.Clone(s.keys) // give back what appending reserved
	}
	s.sorted = true
}

// Compact sorts the set and gives back the room appends reserved; reads do
// it anyway, but a reader that is done adding may do it at once, so that
// the slack of many sets is never held together.
func (s *MemberSet) Compact() {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.settle()
	s.mu.Unlock()
}

// view returns the sorted keys, for a caller that does not change the set
// while it reads them. The slice must not be changed.
func (s *MemberSet) view() []string {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settle()
	return s.keys
}

// Has reports whether lk is in the set.
func (s *MemberSet) Has(lk string) bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settle()
	_, ok := slices.BinarySearch(s.keys, lk)
	return ok
}

// Len returns the number of members.
func (s *MemberSet) Len() int {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settle()
	return len(s.keys)
}

// All yields the members' login keys in sorted order. The set must not be
// changed during the loop.
func (s *MemberSet) All() iter.Seq[string] { return slices.Values(s.view()) }

// Keys returns a sorted copy of the members' login keys.
func (s *MemberSet) Keys() []string {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settle()
	return slices.Clone(s.keys)
}
