package okta

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/oktasync/oktasync/internal/oktasim"
)

// keptAttrs is the attribute list the borrowed user decoder is checked
// with, beside nil (every attribute).
var keptAttrs = []string{"login", "n", "arr", "obj", "bad", "k\u00e9y", "b"}

// TestBorrowedDecodeMatchesEncodingJSON runs every fast case through one
// borrowed member decoder and two borrowed user decoders in turn, so that
// each page reuses what the pages before it left.
func TestBorrowedDecodeMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	members := memberRefDecoder(new([]MemberRef))
	all, kept := newUserViews(nil), newUserViews(keptAttrs)
	for _, body := range fastCases {
		checkBorrowedMembers(t, members, []byte(body))
		checkBorrowedUsers(t, all, nil, []byte(body))
		checkBorrowedUsers(t, kept, keptAttrs, []byte(body))
	}
}

// checkBorrowedMembers compares a borrowed member page with encoding/json's
// []Member.
func checkBorrowedMembers(t *testing.T, decode func([]byte, any) error, body []byte) {
	t.Helper()
	var ms []Member
	wantErr := json.Unmarshal(body, &ms)
	var want, got []MemberRef
	for _, m := range ms {
		want = append(want, MemberRef{ID: m.ID, Status: m.Status, Login: m.Profile.Login})
	}
	gotErr := decode(body, &got)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("member refs %q: error %v, encoding/json's %v", body, gotErr, wantErr)
	}
	if gotErr == nil && !cmp.Equal(want, got, cmpEmptyAsNil) {
		t.Errorf("member refs %q (-encoding/json +borrowed):\n%s", body, cmp.Diff(want, got, cmpEmptyAsNil))
	}
}

// checkBorrowedUsers compares a borrowed user page with encoding/json's
// []*BasicUser, trimmed to the attributes kept.
func checkBorrowedUsers(t *testing.T, v *userViews, attrs []string, body []byte) {
	t.Helper()
	var want, got []*BasicUser
	wantErr := json.Unmarshal(body, &want)
	for _, u := range want {
		for name := range profileOf(u) {
			if attrs != nil && !contains(attrs, name) {
				delete(u.Profile, name)
			}
		}
	}
	gotErr := v.decode(body, &got)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("borrowed users %q: error %v, encoding/json's %v", body, gotErr, wantErr)
	}
	if gotErr == nil && !cmp.Equal(want, got, cmpEmptyAsNil) {
		t.Errorf("borrowed users %q, attrs %v (-encoding/json +borrowed):\n%s", body, attrs, cmp.Diff(want, got, cmpEmptyAsNil))
	}
}

// cmpEmptyAsNil lets an empty page equal a nil one: a reused slice is
// empty where encoding/json leaves nil, and nothing tells them apart.
var cmpEmptyAsNil = cmp.FilterValues(func(a, b any) bool {
	return isEmptySlice(a) && isEmptySlice(b)
}, cmp.Comparer(func(_, _ any) bool { return true }))

func isEmptySlice(x any) bool {
	switch s := x.(type) {
	case []MemberRef:
		return len(s) == 0
	case []*BasicUser:
		return len(s) == 0
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// profileOf returns u's profile, nil for a nil user.
func profileOf(u *BasicUser) map[string]any {
	if u == nil {
		return nil
	}
	return u.Profile
}

// The borrowed decoders take a plain page by hand, and its strings point
// into the body rather than being copied.
func TestBorrowedDecodeSharesTheBody(t *testing.T) {
	t.Parallel()
	body := []byte(fastCases[3])
	inBody := func(s string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		start := uintptr(unsafe.Pointer(&body[0]))
		return len(s) > 0 && p >= start && p < start+uintptr(len(body))
	}
	refs, err := decodeMemberRefs(body, nil)
	if err != nil || len(refs) != 1 {
		t.Fatalf("decodeMemberRefs refused a plain page: %v", err)
	}
	if r := refs[0]; !inBody(r.ID) || !inBody(r.Status) || !inBody(r.Login) {
		t.Errorf("member ref %+v: strings copied", r)
	}
	users, err := newUserViews([]string{"login", "n"}).fast(body)
	if err != nil || len(users) != 1 {
		t.Fatalf("borrowed users refused a plain page: %v", err)
	}
	u := users[0]
	if !inBody(u.ID) || !inBody(u.Status) || !inBody(u.Profile["login"].(string)) {
		t.Errorf("borrowed user %+v: strings copied", u)
	}
	if len(u.Profile) != 2 || u.Profile["n"] != 12.5 {
		t.Errorf("borrowed user's profile %v: want login and n only", u.Profile)
	}
}

// Decoding a member page into a reused slice allocates nothing per member.
func TestBorrowedMemberPageAllocations(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	for i := range 200 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":"00u%d","status":"ACTIVE","created":"2024-01-02T03:04:05.000Z","profile":{"login":"u%d@example.com","n":%d,"x":[1,"a"]},"_links":{"self":{"href":"x"}}}`, i, i, i)
	}
	b.WriteString("]")
	body := []byte(b.String())
	decode := memberRefDecoder(new([]MemberRef))
	var refs []MemberRef
	if err := decode(body, &refs); err != nil || len(refs) != 200 {
		t.Fatalf("decode: %d refs, %v", len(refs), err)
	}
	allocs := testing.AllocsPerRun(20, func() {
		if err := decode(body, &refs); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 20 {
		t.Errorf("%.0f allocations for a page of 200 members, want a handful", allocs)
	}
}

// MemberPages reads every member, page by page, as ListMemberRefs does; a
// page's body is given back once its loop body returns (and, in the tests'
// race-detector builds, overwritten).
func TestGroupsMemberPages(t *testing.T) {
	t.Parallel()
	o := setup(t)
	pagedUsers(o, "/api/v1/groups/00g1/users", 5, false)
	var want []MemberRef
	for m, err := range o.client.Groups.ListMemberRefs(context.Background(), "00g1", &ListOptions{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, MemberRef{ID: m.ID, Status: m.Status, Login: m.Profile.Login})
	}
	var got []MemberRef
	var kept string // a string kept past its page, against the rules
	pages := 0
	for page, err := range o.client.Groups.MemberPages(context.Background(), "00g1", &ListOptions{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if pages == 1 {
			kept = page[0].Login
		}
		for _, m := range page {
			got = append(got, MemberRef{ID: strings.Clone(m.ID), Status: strings.Clone(m.Status), Login: strings.Clone(m.Login)})
		}
	}
	if len(want) != 5 || pages != 3 {
		t.Fatalf("want 5 members on 3 pages, got %d members on %d pages", len(got), pages)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("MemberPages (-ListMemberRefs +MemberPages):\n%s", diff)
	}
	if scrubReleased && kept == "user1@example.com" {
		t.Errorf("the first page's body was not given back (%q still reads)", kept)
	}
	for _, err := range o.client.Groups.MemberPages(context.Background(), "", nil) {
		if err == nil {
			t.Error("empty group id: want an error")
		}
	}
}

// ListBasicBorrowed lends what ListBasic gives, trimmed to the attributes
// asked for.
func TestUsersListBasicBorrowed(t *testing.T) {
	t.Parallel()
	o := setup(t)
	pagedUsers(o, "/api/v1/users", 7, false)
	show := func(u *BasicUser) string {
		return fmt.Sprintf("%s %s %v", u.ID, u.Status, u.Profile)
	}
	var want []string
	for u, err := range o.client.Users.ListBasic(context.Background(), &UserListOptions{Limit: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		delete(u.Profile, "firstName")
		delete(u.Profile, "lastName")
		want = append(want, show(u))
	}
	var got []string
	for u, err := range o.client.Users.ListBasicBorrowed(context.Background(), &UserListOptions{Limit: 3}, []string{"login", "email"}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, show(u))
	}
	if len(want) != 7 {
		t.Fatalf("ListBasic read %d users, want 7", len(want))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListBasicBorrowed (-ListBasic +borrowed):\n%s", diff)
	}
}

// A borrowed search past the cap continues after the last id read, which
// it must keep beyond that id's page.
func TestUsersSearchBorrowedPastTheCap(t *testing.T) {
	t.Parallel()
	sim, c := simOrg(t, oktasim.Options{SearchCap: 400, RateLimit: oktasim.RateLimitOptions{Disabled: true}}, nil)
	seedSearchable(t, sim, 1050, 130)
	read := func(borrowed bool) []string {
		seq := c.Users.SearchBasic(context.Background(), `profile.lastName eq "In"`, &UserSearchOptions{Limit: 200})
		if borrowed {
			seq = c.Users.SearchBasicBorrowed(context.Background(), `profile.lastName eq "In"`, &UserSearchOptions{Limit: 200}, []string{"login"})
		}
		var out []string
		for u, err := range seq {
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%s %s %v", u.ID, u.Status, u.Profile["login"]))
		}
		return out
	}
	want, got := read(false), read(true)
	if len(want) != 1050 {
		t.Fatalf("SearchBasic read %d users, want 1050", len(want))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SearchBasicBorrowed (-SearchBasic +borrowed):\n%s", diff)
	}
}

// Each loop over a borrowed listing has a decoder of its own, so that two
// loops over one listing may run at once.
func TestUsersListBasicBorrowedLoopsApart(t *testing.T) {
	t.Parallel()
	o := setup(t)
	pagedUsers(o, "/api/v1/users", 9, false)
	seq := o.client.Users.ListBasicBorrowed(context.Background(), &UserListOptions{Limit: 2}, nil)
	read := func() []string {
		var out []string
		for u, err := range seq {
			if err != nil {
				t.Error(err)
				return nil
			}
			out = append(out, fmt.Sprintf("%s %v", u.ID, u.Profile["login"]))
		}
		return out
	}
	var other []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		other = read()
	}()
	mine := read()
	<-done
	if len(mine) != 9 || !cmp.Equal(mine, other) {
		t.Errorf("two loops at once read %v and %v", mine, other)
	}
}
