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
// costs two to three times that. Adds go to chunks that are never copied
// while they fill (appending to one growing slice would allocate four to
// five times the final set on the way, as append grows a large slice by a
// quarter at a time); the first read after an add gathers them into one
// slice of the exact size, sorts it and drops repeats. It is safe for
// concurrent use, and its methods accept a nil set as empty.
type MemberSet struct {
	mu sync.Mutex
	// keys is sorted and free of repeats when pending is empty and sorted
	// is true.
	keys   []string
	sorted bool
	// pending holds the keys added since the last read, in chunks of
	// growing size.
	pending [][]string
}

// Chunk sizes of MemberSet.pending: small groups stay small, large ones
// take few chunks.
const (
	firstMemberChunk = 8
	maxMemberChunk   = 4096
)

// Add puts the login key lk in the set.
func (s *MemberSet) Add(lk string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.keys); n > 0 && s.sorted && len(s.pending) == 0 && s.keys[n-1] == lk {
		return // already the last member
	}
	s.sorted = false
	last := len(s.pending) - 1
	if last < 0 || len(s.pending[last]) == cap(s.pending[last]) {
		size := firstMemberChunk
		if last >= 0 {
			size = min(2*cap(s.pending[last]), maxMemberChunk)
		}
		s.pending = append(s.pending, make([]string, 0, size))
		last++
	}
	s.pending[last] = append(s.pending[last], lk)
}

// Grow makes room for n more members, for a reader that knows about how
// many it is going to add: a chunk of that size, which the adds fill.
func (s *MemberSet) Grow(n int) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	s.pending = append(s.pending, make([]string, 0, n))
	s.mu.Unlock()
}

// settle gathers the pending keys, sorts the keys and drops repeats; s.mu
// is held.
func (s *MemberSet) settle() {
	if s.sorted {
		return
	}
	if len(s.pending) > 0 {
		n := len(s.keys)
		for _, c := range s.pending {
			n += len(c)
		}
		all := make([]string, 0, n)
		all = append(all, s.keys...)
		for _, c := range s.pending {
			all = append(all, c...)
		}
		s.keys, s.pending = all, nil
	}
	if !slices.IsSorted(s.keys) {
		slices.Sort(s.keys)
	}
	s.keys = slices.Compact(s.keys)
	if cap(s.keys) > len(s.keys) {
		s.keys = slices.Clone(s.keys) // give back what the repeats took
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

// Difference returns, in sorted order, the keys of a that b lacks and the
// keys of b that a lacks, in one walk over both sorted sets (no look-up per
// key). Either set may be nil. Neither may change during the call.
func Difference(a, b *MemberSet) (onlyA, onlyB []string) {
	ka, kb := a.view(), b.view()
	i, j := 0, 0
	for i < len(ka) && j < len(kb) {
		switch {
		case ka[i] == kb[j]:
			i++
			j++
		case ka[i] < kb[j]:
			onlyA = append(onlyA, ka[i])
			i++
		default:
			onlyB = append(onlyB, kb[j])
			j++
		}
	}
	onlyA = append(onlyA, ka[i:]...)
	onlyB = append(onlyB, kb[j:]...)
	return onlyA, onlyB
}

// Match walks n keys, given in sorted order by key(i), together with the
// set's own sorted keys, and calls found for each with the set's equal key
// (sharing the set's storage) and true, or with key(i) and false when the
// set lacks it. One walk over both costs one read of each of the set's
// keys, where a look-up per key in a large map costs several reads of
// memory far apart. The set must not change during the call.
func (s *MemberSet) Match(n int, key func(i int) string, found func(i int, own string, ok bool)) {
	own := s.view()
	j := 0
	for i := range n {
		k := key(i)
		for j < len(own) && own[j] < k {
			j++
		}
		if j < len(own) && own[j] == k {
			found(i, own[j], true)
		} else {
			found(i, k, false)
		}
	}
}
