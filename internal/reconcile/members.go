package reconcile

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/okta"
)

// maxGathered (an oktaReader's gatherLimit) bounds how many members of one group are gathered before
// they are matched with the source's. A group whose source side holds up to
// this many members is gathered whole (copied out of its pages), sorted,
// and matched with the source group's sorted members in one walk: one read
// of each source member, where a look-up in the source's users map costs
// several reads of memory far apart (at a million users, most of the time
// a member page takes). A larger group, or one Okta holds far more members
// of, is matched a look-up per member, which copies nothing.
const maxGathered = 1 << 16

// members reads the members of the group with GroupKey key, a page at a
// time, and compacts its member set once complete. A member the user reads
// have not listed never stands in for a user read or look-up; if the source
// does not have it, memberRefs keeps what a removal needs.
func (r *oktaReader) members(ctx context.Context, key string) error {
	r.mu.Lock()
	gr := r.cur.Dir.Groups[key]
	r.mu.Unlock()
	want := r.desired.Members[key].Len()
	gather := want > 0 && want <= r.gatherLimit
	var g memberGather
	for page, err := range r.client.Groups.MemberPages(ctx, gr.ID, &okta.ListOptions{Limit: memberPageSize}) {
		if err != nil {
			return fmt.Errorf("list members of Okta group %q: %w", gr.Name, err)
		}
		if gather && len(g.members)+len(page) > 2*r.gatherLimit {
			// Okta's group is far larger than the source's: match what
			// is gathered, and the rest a look-up at a time.
			r.matchGathered(key, &g)
			gather = false
		}
		if !gather {
			r.addMembers(key, page)
			continue
		}
		g.add(r.intern, page)
		r.mu.Lock()
		r.membersRead += len(page)
		r.progress("group members", r.membersRead)
		r.mu.Unlock()
	}
	r.matchGathered(key, &g)
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

// addMembers adds one page of the members of the group with GroupKey key.
// The page is borrowed (okta's MemberPages): a string kept from it is
// copied. A member the source has (the common case) costs one look-up: its
// key is the source's.
func (r *oktaReader) addMembers(key string, page []okta.MemberRef) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.membersRead += len(page)
	r.progress("group members", r.membersRead)
	if len(page) == 0 {
		return
	}
	set := r.memberSet(key)
	for i := range page {
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

// matchGathered adds the members g gathered of the group with GroupKey
// key: sorted by login key and matched with the source group's members in
// one walk, those the source group lacks a look-up at a time. g is empty
// afterwards.
func (r *oktaReader) matchGathered(key string, g *memberGather) {
	ms := g.members
	if len(ms) == 0 {
		return
	}
	slices.SortFunc(ms, func(a, b gatheredMember) int { return strings.Compare(a.key, b.key) })
	r.mu.Lock()
	defer r.mu.Unlock()
	set := r.memberSet(key)
	r.desired.Members[key].Match(len(ms), func(i int) string { return ms[i].key }, func(i int, own string, ok bool) {
		if ok {
			set.Add(own)
			return
		}
		m := ms[i]
		r.addMember(set, &okta.MemberRef{ID: m.id, Status: m.status, Login: m.login})
	})
	*g = memberGather{}
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

// memberGather holds members of one group as read, copied out of the
// borrowed pages: the strings of a page's members share one allocation.
type memberGather struct {
	members []gatheredMember
	// offs is scratch: the bounds of each member's strings in a page's
	// copy.
	offs []int
}

// gatheredMember is one member as read: its login key, id, status (one of
// the interned statuses) and login as Okta spells it.
type gatheredMember struct {
	key, id, status, login string
}

// add copies a borrowed page's members into g.
func (g *memberGather) add(in *directory.Interner, page []okta.MemberRef) {
	size := 0
	for i := range page {
		size += 2*len(page[i].Login) + len(page[i].ID)
	}
	var b strings.Builder
	b.Grow(size)
	offs := g.offs[:0]
	for i := range page {
		m := &page[i]
		k := directory.LoginKey(m.Login)
		offs = append(offs, b.Len())
		b.WriteString(k)
		offs = append(offs, b.Len())
		b.WriteString(m.ID)
		offs = append(offs, b.Len())
		if m.Login != k {
			b.WriteString(m.Login)
		}
	}
	offs = append(offs, b.Len())
	text := b.String()
	for i := range page {
		o := offs[3*i : 3*i+4]
		gm := gatheredMember{key: text[o[0]:o[1]], id: text[o[1]:o[2]], status: in.Status(page[i].Status), login: text[o[2]:o[3]]}
		if gm.login == "" {
			gm.login = gm.key
		}
		g.members = append(g.members, gm)
	}
	g.offs = offs
}
