package source

import (
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/oktasync/oktasync/internal/directory"
)

// rowOrigin names one row of a users or memberships table for messages:
// "users.csv line 12", "postgres users row 17 (login=jdoe@example.com)".
// A reader builds the name (String) only when a message or a record needs
// it, not for every row.
type rowOrigin struct {
	// prefix is what comes before the number: "users.csv line ".
	prefix string
	n      int
	// login is the row's login as read, trimmed, for a Postgres row; ""
	// for none.
	login string
}

func (o rowOrigin) String() string {
	s := o.prefix + strconv.Itoa(o.n)
	if o.login != "" {
		s += " (login=" + truncate(o.login, 100) + ")"
	}
	return s
}

// userRows remembers, while a reader reads, the row each user came from,
// so that a duplicate's message names the first row. Users do not keep
// their origins (see directory.User); this is dropped with the reader. It
// holds a row number, not a name, per user, and no map: the first row of
// a duplicate is looked up only when one happens.
type userRows struct {
	rows chunks[userRow]
	// logins holds each row's origin login when the reader names rows by
	// their login (Postgres); empty otherwise.
	logins chunks[string]
}

type userRow struct {
	u *directory.User
	n int
}

// add records that u came from the row at o.
func (r *userRows) add(u *directory.User, o rowOrigin, withLogin bool) {
	r.rows.add(userRow{u: u, n: o.n})
	if withLogin {
		r.logins.add(o.login)
	}
}

// origin names the row u came from; prefix is the reader's.
func (r *userRows) origin(u *directory.User, prefix string) string {
	for i, row := range r.rows.all() {
		if row.u != u {
			continue
		}
		o := rowOrigin{prefix: prefix, n: row.n}
		if r.logins.len() > 0 {
			o.login = r.logins.at(i)
		}
		return o.String()
	}
	return ""
}

// chunkLen is the length of each chunk of a chunks list but the first.
const chunkLen = 4096

// chunks is an append-only list kept in chunks of chunkLen, so that a
// list of a million entries is not copied over and over as it grows.
type chunks[T any] struct {
	cs [][]T
	n  int
}

func (c *chunks[T]) add(v T) {
	if last := len(c.cs) - 1; last < 0 || len(c.cs[last]) == chunkLen {
		var next []T // the first chunk grows as it fills, for small lists
		if last >= 0 {
			next = make([]T, 0, chunkLen)
		}
		c.cs = append(c.cs, next)
	}
	last := len(c.cs) - 1
	c.cs[last] = append(c.cs[last], v)
	c.n++
}

func (c *chunks[T]) len() int { return c.n }

func (c *chunks[T]) at(i int) T { return c.cs[i/chunkLen][i%chunkLen] }

// all yields the entries in the order they were added, with their index.
func (c *chunks[T]) all() iter.Seq2[int, T] {
	return func(yield func(int, T) bool) {
		i := 0
		for _, chunk := range c.cs {
			for _, v := range chunk {
				if !yield(i, v) {
					return
				}
				i++
			}
		}
	}
}

// userReader adds the users of one users table to d, row by row, reusing
// its storage from row to row.
type userReader struct {
	d    *directory.Directory
	coll *collector
	cols *userColumns
	b    *rowBuild
	// prefix starts every row's origin; withLogin says whether origins
	// name the row's login.
	prefix    string
	withLogin bool
	rows      userRows
	groupKeys groupKeys
	// names are the attributes of the last user added; a user with the
	// same ones has nothing new for AttrOrigins.
	names, scratch []string
}

func newUserReader(d *directory.Directory, coll *collector, cols *userColumns, prefix string, withLogin bool) *userReader {
	return &userReader{d: d, coll: coll, cols: cols, b: newRowBuild(cols), prefix: prefix, withLogin: withLogin,
		groupKeys: make(groupKeys)}
}

// expect makes room in d for about n users in all, so that d's map of
// users is not regrown again and again as a large table is read.
func (r *userReader) expect(n int) {
	if n <= 2*len(r.d.Users) {
		return
	}
	users := make(map[string]*directory.User, n)
	maps.Copy(users, r.d.Users)
	r.d.Users = users
}

// addText adds the user of a row of text (a CSV record, which the reader
// does not keep).
func (r *userReader) addText(o rowOrigin, rec []string) {
	r.b.buildText(rec)
	manager := ""
	if r.cols.manager >= 0 {
		manager = strings.Clone(strings.TrimSpace(rec[r.cols.manager]))
	}
	r.add(o, manager)
}

// addValues adds the user of a row of values (a Postgres row, which the
// reader does not keep).
func (r *userReader) addValues(o rowOrigin, row *pgRow) {
	r.b.buildValues(row)
	manager := ""
	if r.cols.manager >= 0 && row.value(r.cols.manager) != nil {
		manager = strings.TrimSpace(fmt.Sprint(row.value(r.cols.manager)))
	}
	r.add(o, manager)
}

// add adds the user r.b built from the row at o to d, with its password
// or hash, manager (the mapping's manager column's value, "" for none),
// apps and memberships; or reports the row's problems.
func (r *userReader) add(o rowOrigin, manager string) {
	b, d := r.b, r.d
	if len(b.problems) > 0 {
		r.coll.add(o.String(), errors.New(strings.Join(b.problems, "; ")))
		return
	}
	u := b.user
	lk := directory.LoginKey(u.Login())
	if err := d.AddUserKey(lk, u); err != nil {
		var dup *directory.DuplicateError
		if errors.As(err, &dup) {
			dup.First, dup.Second = r.rows.origin(d.Users[lk], r.prefix), o.String()
		}
		r.coll.add("", err)
		return
	}
	r.rows.add(u, o, r.withLogin)
	r.attrOrigins(o)
	if b.password != "" {
		d.SetPassword(lk, b.password)
	}
	if b.hash != nil {
		d.SetPasswordHash(lk, b.hash)
	}
	if manager != "" {
		d.SetManager(lk, directory.ManagerRef{Value: manager, Origin: o.String()})
	}
	for col, list := range b.apps {
		d.SetAppList(col, lk, list)
	}
	for _, g := range b.groups {
		d.AddMemberKey(r.groupKeys.ensure(d, g, o), lk)
	}
}

// attrOrigins records the row at o as the first of each of its user's
// attributes that no earlier row has.
func (r *userReader) attrOrigins(o rowOrigin) {
	r.scratch = r.b.prof.AppendNames(r.scratch[:0])
	if slices.Equal(r.scratch, r.names) {
		return
	}
	r.names, r.scratch = r.scratch, r.names
	origin := ""
	for _, a := range r.names {
		if _, seen := r.d.AttrOrigins[a]; !seen {
			if r.d.AttrOrigins == nil {
				r.d.AttrOrigins = make(map[string]string)
			}
			if origin == "" {
				origin = o.String()
			}
			r.d.AttrOrigins[a] = origin
		}
	}
}

// groupKeys holds, by a group name as rows write it, its GroupKey, for
// the groups a reader has ensured in a directory: most rows name a group
// an earlier row named.
type groupKeys map[string]string

// ensure returns the GroupKey of the group a row names, ensuring the
// group is in d (first named at o).
func (gk groupKeys) ensure(d *directory.Directory, name string, o rowOrigin) string {
	if k, ok := gk[name]; ok {
		return k
	}
	k := directory.GroupKey(name)
	if _, ok := d.Groups[k]; !ok {
		d.EnsureGroup(strings.Clone(name), o.String())
	}
	gk[strings.Clone(name)] = k
	return k
}
