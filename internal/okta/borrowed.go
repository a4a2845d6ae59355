package okta

import (
	"encoding/json"
	"sync"
	"unsafe"
)

// Borrowed pages. A full read of a large org decodes millions of members
// and users only to look each up once and pack what it keeps. The borrowed
// decoders below let such a caller read a page without a string or a map
// allocated per member or user: plain strings (ASCII, no escape, as almost
// all are) point into the page's body, and the page's objects and profile
// maps are reused from one page to the next. The pager keeps the body
// until the caller is done with the page (listOptions.borrow), and the
// listing methods that use them say so in their documentation. As with
// the other hand decoders, a body the hand decoder does not take goes to
// encoding/json, whose answer (copied strings, or its error) stands.

// borrow returns b as a string sharing its bytes: valid only while b is
// neither changed nor reused.
func borrow(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// borrowedStr decodes a string as str does, but a plain one points into
// the body instead of being copied.
func (s *scanner) borrowedStr() (string, error) {
	raw, decoded, plain, err := s.plainOrDecoded()
	if err != nil || !plain {
		return decoded, err
	}
	return borrow(raw), nil
}

// optBorrowed is optString with borrowedStr.
func (s *scanner) optBorrowed(dst *string) error {
	if s.peek() == 'n' && s.literal("null") {
		return nil
	}
	v, err := s.borrowedStr()
	*dst = v
	return err
}

// borrowedValue is value, but a string value (not one inside an array or
// object) points into the body.
func (s *scanner) borrowedValue() (any, error) {
	if s.peek() == '"' {
		return s.borrowedStr()
	}
	return s.value()
}

// memberSlabs holds the []MemberRef of member listings that ended, for the
// next ones: a sync reads the members of many groups, a page of a thousand
// each.
var memberSlabs = sync.Pool{New: func() any { return new([]MemberRef) }}

// memberRefDecoder returns the borrow decoder of a member listing: each
// page into *slab, reused from page to page.
func memberRefDecoder(slab *[]MemberRef) func(body []byte, out any) error {
	return func(body []byte, out any) error {
		refs, err := decodeMemberRefs(body, (*slab)[:0])
		if err != nil {
			refs, err = memberRefsJSON(body, (*slab)[:0])
			if err != nil {
				return err
			}
		}
		*slab = refs
		*out.(*[]MemberRef) = refs
		return nil
	}
}

// decodeMemberRefs decodes a page of group members by hand, appending to
// dst; plain strings point into body.
func decodeMemberRefs(body []byte, dst []MemberRef) ([]MemberRef, error) {
	s := &scanner{b: body}
	if s.peek() == 'n' && s.literal("null") {
		if !s.atEnd() {
			return nil, errFast
		}
		return dst, nil
	}
	err := s.array(func() error {
		dst = append(dst, MemberRef{})
		m := &dst[len(dst)-1]
		return s.object(func(key []byte) error {
			switch string(key) {
			case "id":
				return s.optBorrowed(&m.ID)
			case "status":
				return s.optBorrowed(&m.Status)
			case "profile":
				if s.peek() == 'n' && s.literal("null") {
					return nil
				}
				return s.object(func(key []byte) error {
					if string(key) == "login" {
						return s.optBorrowed(&m.Login)
					}
					return s.other(key, "login")
				})
			}
			return s.other(key, "id", "status", "profile")
		})
	})
	if err != nil || !s.atEnd() {
		return nil, errFast
	}
	return dst, nil
}

// memberRefsJSON decodes a page of group members with encoding/json, as
// []Member, appending each to dst as a MemberRef.
func memberRefsJSON(body []byte, dst []MemberRef) ([]MemberRef, error) {
	var members []Member
	if err := json.Unmarshal(body, &members); err != nil {
		return nil, err
	}
	for _, m := range members {
		dst = append(dst, MemberRef{ID: m.ID, Status: m.Status, Login: m.Profile.Login})
	}
	return dst, nil
}

// maxSharedNames bounds the attribute names a userViews shares from page
// to page.
const maxSharedNames = 4096

// userViews decodes the pages of a user listing as borrowed []*BasicUser:
// the users and their profile maps are reused from page to page, and a
// profile holds only the attributes in keep (all when keep is nil).
type userViews struct {
	keep  map[string]bool
	users []BasicUser
	ptrs  []*BasicUser
	maps  []map[string]any
	names map[string]string
}

// newUserViews returns the decoder of a borrowed user listing whose
// profiles keep the attributes named in attrs (all when attrs is nil).
func newUserViews(attrs []string) *userViews {
	v := &userViews{names: make(map[string]string, 64)}
	if attrs != nil {
		v.keep = make(map[string]bool, len(attrs))
		for _, a := range attrs {
			v.keep[a] = true
		}
	}
	return v
}

// decode is the listing's borrow decoder; out is a *[]*BasicUser.
func (v *userViews) decode(body []byte, out any) error {
	dst := out.(*[]*BasicUser)
	if len(v.names) > maxSharedNames {
		v.names = make(map[string]string, 64)
	}
	users, err := v.fast(body)
	if err != nil {
		if users, err = v.slow(body); err != nil {
			return err
		}
	}
	*dst = users
	return nil
}

// fast decodes a page by hand, or fails with errFast.
func (v *userViews) fast(body []byte) ([]*BasicUser, error) {
	s := &scanner{b: body, names: v.names}
	if s.peek() == 'n' && s.literal("null") {
		if !s.atEnd() {
			return nil, errFast
		}
		return nil, nil
	}
	v.users = v.users[:0]
	err := s.array(func() error {
		i := len(v.users)
		v.users = append(v.users, BasicUser{})
		u := &v.users[i]
		return s.object(func(key []byte) error {
			switch string(key) {
			case "id":
				return s.optBorrowed(&u.ID)
			case "status":
				return s.optBorrowed(&u.Status)
			case "transitioningToStatus":
				return s.optBorrowed(&u.TransitioningToStatus)
			case "profile":
				return v.profile(s, u, i)
			}
			return s.other(key, "id", "status", "transitioningToStatus", "profile")
		})
	})
	if err != nil || !s.atEnd() {
		return nil, errFast
	}
	v.ptrs = v.ptrs[:0]
	for i := range v.users {
		v.ptrs = append(v.ptrs, &v.users[i])
	}
	return v.ptrs, nil
}

// profile decodes the profile of the i-th user of the page into the map
// reused for that place, as scanner.profile does into a new one.
func (v *userViews) profile(s *scanner, u *BasicUser, i int) error {
	if s.peek() == 'n' && s.literal("null") {
		u.Profile = nil
		return nil
	}
	if u.Profile == nil {
		for len(v.maps) <= i {
			v.maps = append(v.maps, nil)
		}
		if v.maps[i] == nil {
			v.maps[i] = make(map[string]any)
		}
		clear(v.maps[i])
		u.Profile = v.maps[i]
	}
	m := u.Profile
	return s.object(func(key []byte) error {
		if v.keep != nil && !v.keep[string(key)] {
			return s.skip()
		}
		val, err := s.borrowedValue()
		m[s.name(key)] = val
		return err
	})
}

// slow decodes a page with encoding/json, then drops the attributes not
// kept.
func (v *userViews) slow(body []byte) ([]*BasicUser, error) {
	var users []*BasicUser
	if err := json.Unmarshal(body, &users); err != nil {
		return nil, err
	}
	for _, u := range users {
		if u == nil || v.keep == nil {
			continue
		}
		for name := range u.Profile {
			if !v.keep[name] {
				delete(u.Profile, name)
			}
		}
	}
	return users, nil
}
