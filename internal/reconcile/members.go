package reconcile

import (
	"context"
	"fmt"
	"strings"

	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/okta"
)

// members reads the members of the group with GroupKey key, a page at a
// time, and compacts its member set once complete. A member the user reads
// have not listed never stands in for a user read or look-up; if the source
// does not have it, memberRefs keeps what a removal needs.
//
// A member of the source's group (most of them) is found in an index of
// that group's members (directory.MemberSet.Index), small enough to stay in
// the processor's cache; only the others are looked up in the source's
// users map, where at a million users each look-up reads memory far apart
// several times.
func (r *oktaReader) members(ctx context.Context, key string) error {
	r.mu.Lock()
	gr := r.cur.Dir.Groups[key]
	r.mu.Unlock()
	want := r.desired.Members[key].Index()
	for page, err := range r.client.Groups.MemberPages(ctx, gr.ID, &okta.ListOptions{Limit: memberPageSize}) {
		if err != nil {
			return fmt.Errorf("list members of Okta group %q: %w", gr.Name, err)
		}
		r.addMembers(key, page, want)
	}
	r.mu.Lock()
	r.cur.MembersRead[key] = true
	set := r.cur.Dir.Members[key]
	r.mu.Unlock()
	set.Compact()
	return nil
}

// memberSet returns the current member set of the group with GroupKey
// key, made when missing; r.mu is held.
func (r *oktaReader) memberSet(key string) *directory.MemberSet {
	set, ok := r.cur.Dir.Members[key]
	if !ok {
		set = new(directory.MemberSet)
		// Okta's members of a managed group are mostly the source's:
		// room for that many and an eighth more, made at once, saves
		// growing a large set step by step (Compact gives back what is
		// left over).
		n := r.desired.Members[key].Len()
		set.Grow(n + n/8 + 64)
		r.cur.Dir.Members[key] = set
	}
	return set
}

// addMembers adds one page of the members of the group with GroupKey key;
// want indexes the source group's members. The page is borrowed (okta's
// MemberPages): a string kept from it is copied. A member the source has
// is added with the source's key.
func (r *oktaReader) addMembers(key string, page []okta.MemberRef, want *directory.KeyIndex) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.membersRead += len(page)
	r.progress("group members", r.membersRead)
	if len(page) == 0 {
		return
	}
	set := r.memberSet(key)
	for i := range page {
		if own, ok := want.Find(directory.LoginKey(page[i].Login)); ok {
			set.Add(own)
			continue
		}
		r.addMember(set, &page[i])
	}
}

// addMember adds one member to set, with the source's key when the source
// has the user; m may be borrowed; r.mu is held.
func (r *oktaReader) addMember(set *directory.MemberSet, m *okta.MemberRef) {
	if k, ok := r.intern.SourceKey(m.Login); ok {
		set.Add(k)
		return
	}
	r.addOtherMember(set, m)
}

// addOtherMember adds to set a member the source does not have, and keeps
// what a membership removal needs of it in memberRefs unless a user read
// has listed it. m is borrowed; r.mu is held.
func (r *oktaReader) addOtherMember(set *directory.MemberSet, m *okta.MemberRef) {
	k := strings.Clone(directory.LoginKey(m.Login))
	set.Add(k)
	if _, listed := r.cur.Dir.Users[k]; listed {
		return
	}
	if _, stashed := r.memberRefs[k]; !stashed {
		ref := memberRef{id: strings.Clone(m.ID), status: r.intern.Status(m.Status)}
		if m.Login != k {
			ref.login = strings.Clone(m.Login)
		}
		r.memberRefs[k] = ref
	}
}
