package directory

import (
	"hash/maphash"
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

// Index returns a look-up of the set's own keys for a reader that looks up
// many keys in it: a table of the keys' hashes, small enough to stay in
// the processor's cache for a group of thousands, where a look-up in a
// million-entry map of strings reads memory far apart several times. The
// set must not change while the index is in use. A nil set gives an empty
// index.
func (s *MemberSet) Index() *KeyIndex {
	keys := s.view()
	x := &KeyIndex{keys: keys, seed: maphash.MakeSeed()}
	if len(keys) == 0 {
		return x
	}
	size := 1
	for size < 2*len(keys) {
		size *= 2
	}
	x.slots = make([]uint64, size)
	x.mask = uint64(size - 1)
	for i, k := range keys {
		h := maphash.String(x.seed, k)
		for j := h & x.mask; ; j = (j + 1) & x.mask {
			if x.slots[j] == 0 {
				x.slots[j] = h&^0xffffffff | uint64(i+1)
				break
			}
		}
	}
	return x
}

// KeyIndex finds a MemberSet's own keys (MemberSet.Index).
type KeyIndex struct {
	keys []string
	seed maphash.Seed
	// slots holds, for each key, the top 32 bits of its hash and its
	// index in keys plus one; 0 is an empty slot.
	slots []uint64
	mask  uint64
}

// Find returns the set's own key equal to k (sharing the set's storage)
// and true, or "" and false when the set lacks k.
func (x *KeyIndex) Find(k string) (string, bool) {
	if len(x.slots) == 0 {
		return "", false
	}
	h := maphash.String(x.seed, k)
	for j := h & x.mask; ; j = (j + 1) & x.mask {
		slot := x.slots[j]
		if slot == 0 {
			return "", false
		}
		if slot&^0xffffffff == h&^0xffffffff {
			if own := x.keys[slot&0xffffffff-1]; own == k {
				return own, true
			}
		}
	}
}
