package directory

import (
	"slices"
	"testing"
	"unsafe"
)

func internerRef(t *testing.T) *Directory {
	t.Helper()
	ref := New()
	for _, p := range []Profile{
		{AttrLogin: "ada@example.com", AttrEmail: "ada@example.com", AttrFirstName: "Ada", AttrLastName: "L", "title": "Boss"},
		{AttrLogin: "Bob@Example.com", AttrEmail: "bob@example.com", AttrFirstName: "Bob", AttrLastName: "B"},
	} {
		if err := ref.AddUser(&User{Profile: p.Pack()}); err != nil {
			t.Fatal(err)
		}
	}
	return ref
}

// A profile read with the reference's values (and attributes the
// reference does not have) shares the reference's storage; one with other
// values keeps its own, trimmed to the reference's attributes.
func TestInternerUser(t *testing.T) {
	t.Parallel()
	ref := internerRef(t)
	in := NewInterner(ref)
	same := in.User("00u1", "ACTIVE", map[string]any{"login": "ada@example.com", "email": "ada@example.com", "firstName": "Ada", "lastName": "L", "title": "Boss", "costCenter": "CC9"})
	if !same.Profile.Shares(ref.Users["ada@example.com"].Profile) {
		t.Errorf("equal profile not shared: %v", same.Profile)
	}
	other := in.User("00u2", "SUSPENDED", map[string]any{"login": "ada@example.com", "email": "ada@example.com", "firstName": "Ada", "lastName": "L", "title": "Clerk", "costCenter": "CC9"})
	if other.Profile.Shares(ref.Users["ada@example.com"].Profile) || has(other.Profile, "costCenter") || other.Profile.Str("title") != "Clerk" {
		t.Errorf("differing profile: %v", other.Profile)
	}
	if other.ID != "00u2" || other.Status != "SUSPENDED" {
		t.Errorf("user %s %s", other.ID, other.Status)
	}
	stranger := in.User("00u3", "ACTIVE", map[string]any{"login": "eve@example.com", "title": "Spy", "costCenter": "CC1"})
	if stranger.Profile.Str("title") != "Spy" || has(stranger.Profile, "costCenter") {
		t.Errorf("user outside the reference: %v", stranger.Profile)
	}
}

// Login keys and statuses share one string each.
func TestInternerStrings(t *testing.T) {
	t.Parallel()
	ref := internerRef(t)
	in := NewInterner(ref)
	// A login already in key form is shared with the reference's profile.
	want := ref.Users["ada@example.com"].Login()
	got := in.LoginKey(" ADA@example.com")
	if got != "ada@example.com" || unsafe.StringData(got) != unsafe.StringData(want) {
		t.Errorf("LoginKey = %q, not the reference's storage", got)
	}
	if got := in.LoginKey("Eve@Example.com"); got != "eve@example.com" {
		t.Errorf("LoginKey of a stranger = %q", got)
	}
	if !in.Has("bob@example.com") || in.Has("eve@example.com") {
		t.Error("Has does not answer for the reference's users")
	}
	read := string([]byte("DEPROVISIONED"))
	if got := in.Status(read); got != "DEPROVISIONED" || unsafe.StringData(got) == unsafe.StringData(read) {
		t.Errorf("Status(%q) = %q, not shared", read, got)
	}
	if got := in.Status("WEIRD"); got != "WEIRD" {
		t.Errorf("Status(WEIRD) = %q", got)
	}
}

func has(a Attrs, name string) bool {
	_, ok := a.Get(name)
	return ok
}

func TestAttrNames(t *testing.T) {
	d := New()
	for _, p := range []Profile{
		{AttrLogin: "a@x", "title": "CEO"},
		{AttrLogin: "b@x", "costCenter": int64(4)},
	} {
		if err := d.AddUser(&User{Profile: p.Pack()}); err != nil {
			t.Fatal(err)
		}
	}
	walked := d.AttrNames()
	if want := []string{"costCenter", "login", "title"}; !slices.Equal(walked, want) {
		t.Errorf("AttrNames without origins = %v, want %v", walked, want)
	}
	// A source reader's record of where each attribute first appears is
	// taken as it is.
	d.AttrOrigins = map[string]string{"title": "users.csv line 2", "login": "users.csv line 2"}
	if got, want := d.AttrNames(), []string{"login", "title"}; !slices.Equal(got, want) {
		t.Errorf("AttrNames with origins = %v, want %v", got, want)
	}
}

// SourceKey answers LoginKey and Has in one look-up, and its key for a
// reference user never points into the login it was given.
func TestInternerSourceKey(t *testing.T) {
	t.Parallel()
	ref := internerRef(t)
	in := NewInterner(ref)
	for _, tt := range []struct {
		login, key string
		ok         bool
	}{
		{"ada@example.com", "ada@example.com", true},
		{" ADA@example.com", "ada@example.com", true},
		{"bob@example.com", "bob@example.com", true},
		{"Eve@Example.com", "eve@example.com", false},
		{"", "", false},
	} {
		login := string([]byte(tt.login)) // storage of its own
		k, ok := in.SourceKey(login)
		if k != tt.key || ok != tt.ok || ok != in.Has(k) || k != in.LoginKey(login) {
			t.Errorf("SourceKey(%q) = %q, %v; want %q, %v", tt.login, k, ok, tt.key, tt.ok)
		}
		if ok && len(login) > 0 && unsafe.StringData(k) == unsafe.StringData(login) {
			t.Errorf("SourceKey(%q) points into the login given", tt.login)
		}
	}
	want := ref.Users["ada@example.com"].Login()
	if k, _ := in.SourceKey(string([]byte("ada@example.com"))); unsafe.StringData(k) != unsafe.StringData(want) {
		t.Error("SourceKey of a login in key form does not share the reference's storage")
	}
}

func TestInternerKeptAndStatusCopy(t *testing.T) {
	t.Parallel()
	in := NewInterner(internerRef(t))
	got := in.Kept()
	for _, a := range []string{AttrLogin, AttrEmail, AttrFirstName, AttrLastName, "title"} {
		if _, found := slices.BinarySearch(got, a); !found {
			t.Errorf("Kept() = %v, without %q", got, a)
		}
	}
	if !slices.IsSorted(got) || slices.Contains(got, "costCenter") {
		t.Errorf("Kept() = %v", got)
	}
	read := string([]byte("WEIRD"))
	if s := in.Status(read); s != "WEIRD" || unsafe.StringData(s) == unsafe.StringData(read) {
		t.Errorf("Status(%q) = %q, sharing the storage given", read, s)
	}
}
