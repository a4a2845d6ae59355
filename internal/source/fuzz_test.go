package source

import (
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/oktasync/oktasync/internal/directory"
)

// FuzzReadCSV feeds arbitrary bytes to the users CSV reader: it must never
// panic, must report every failure as invalid data, and whatever it accepts
// must be a well-formed Directory. Seeds are in testdata/fuzz/FuzzReadCSV.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte(header + "\n" + row(1) + "\n"))
	f.Add([]byte(header + ",groups,department\n" + row(1) + ",A;B,Eng\n" + row(2) + ",a; ;C,\n"))
	f.Add([]byte("\xEF\xBB\xBF" + header + "\r\n" + row(1) + "\r\n"))
	f.Add([]byte(header + ",n:integer,f:number,b:boolean,a:array\n" + row(1) + ",1,2.5,true,x;y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := readUsersFile(t, string(data))
		if err != nil {
			if d != nil {
				t.Fatal("a Directory came back with an error")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error is not ErrInvalid: %v", err)
			}
			var all *Errors
			if !errors.As(err, &all) || len(all.Errs) == 0 || len(all.Errs) > MaxErrors {
				t.Fatalf("error is not an *Errors of 1 to %d problems: %v", MaxErrors, err)
			}
			return
		}
		for k, u := range d.Users {
			if k != directory.LoginKey(u.Login()) {
				t.Fatalf("user keyed %q has login %q", k, u.Login())
			}
			for _, a := range directory.RequiredAttributes {
				if s, _ := u.Profile.Value(a).(string); s == "" {
					t.Fatalf("user %q lacks %s", k, a)
				}
			}
			for a, v := range u.Profile.All() {
				if !wellFormedValue(v) {
					t.Fatalf("user %q attribute %s = %#v", k, a, v)
				}
			}
			for a := range u.Profile.Names() {
				if o := d.AttrOrigins[a]; !strings.HasPrefix(o, "users.csv line ") {
					t.Fatalf("attribute %s of user %q: first at %q", a, k, o)
				}
			}
		}
		for gk, members := range d.Members {
			if _, ok := d.Groups[gk]; !ok {
				t.Fatalf("members of unknown group %q", gk)
			}
			for lk := range members.All() {
				if _, ok := d.Users[lk]; !ok {
					t.Fatalf("group %q has unknown member %q", gk, lk)
				}
			}
		}
	})
}

// wellFormedValue reports whether v is a profile value a source may
// produce: non-empty valid text within the size cap, an int64, a finite
// float64, a bool, or a non-empty list of such text.
func wellFormedValue(v any) bool {
	text := func(s string) bool {
		return s != "" && utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 && len(s) <= MaxValueBytes
	}
	switch x := v.(type) {
	case string:
		return text(x)
	case int64, bool:
		return true
	case float64:
		return !math.IsNaN(x) && !math.IsInf(x, 0)
	case []string:
		for _, s := range x {
			if !text(s) {
				return false
			}
		}
		return len(x) > 0
	}
	return false
}
