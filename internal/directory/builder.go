package directory

import (
	"encoding/binary"
	"slices"
)

// ProfileBuilder builds packed profiles one after another without a
// Profile map for each: a source reader sets one row's attributes, packs
// them, and resets the builder for the next row. Text values are held
// without boxing them in an interface.
//
// Pack gives exactly the bytes Profile.Pack gives for a Profile holding
// the same attributes and values, so the two are interchangeable.
//
// The zero ProfileBuilder is empty and ready to use. It is not safe for
// concurrent use.
type ProfileBuilder struct {
	entries []builderEntry
	buf     []byte
}

// builderEntry is one attribute: a string value in s when str is true,
// any other value (nil for an attribute to be cleared) in v otherwise.
type builderEntry struct {
	name string
	s    string
	v    any
	str  bool
}

// Reset empties the builder, keeping its storage for the next profile.
func (b *ProfileBuilder) Reset() {
	clear(b.entries) // drop the values, so they can be collected
	b.entries = b.entries[:0]
}

// Len returns the number of attributes set.
func (b *ProfileBuilder) Len() int { return len(b.entries) }

// SetString sets attribute name to the string s, replacing any value it
// has.
func (b *ProfileBuilder) SetString(name, s string) {
	b.set(builderEntry{name: name, s: s, str: true})
}

// Set sets attribute name to v, a value of a type Profile documents (nil
// to clear the attribute), replacing any value it has.
func (b *ProfileBuilder) Set(name string, v any) {
	if s, ok := v.(string); ok {
		b.SetString(name, s)
		return
	}
	b.set(builderEntry{name: name, v: v})
}

func (b *ProfileBuilder) set(e builderEntry) {
	for i := range b.entries {
		if b.entries[i].name == e.name {
			b.entries[i] = e
			return
		}
	}
	b.entries = append(b.entries, e)
}

func (b *ProfileBuilder) find(name string) *builderEntry {
	for i := range b.entries {
		if b.entries[i].name == name {
			return &b.entries[i]
		}
	}
	return nil
}

// Get returns the value of attribute name, and whether it is set, as a
// Profile would.
func (b *ProfileBuilder) Get(name string) (any, bool) {
	e := b.find(name)
	switch {
	case e == nil:
		return nil, false
	case e.str:
		return e.s, true
	}
	return e.v, true
}

// String returns attribute name's value when it is a string; isString is
// false when the attribute is not set or holds another type.
func (b *ProfileBuilder) String(name string) (s string, isString bool) {
	if e := b.find(name); e != nil && e.str {
		return e.s, true
	}
	return "", false
}

// Pack returns the attributes set in compact form. It leaves them set, in
// name order (AppendNames).
func (b *ProfileBuilder) Pack() Attrs {
	if len(b.entries) == 0 {
		return Attrs{}
	}
	b.sort()
	buf := b.buf[:0]
	for i := range b.entries {
		e := &b.entries[i]
		if e.str {
			buf = binary.AppendUvarint(buf, attrID(e.name))
			buf = appendString(append(buf, tagString), e.s)
			continue
		}
		buf = appendAttr(buf, e.name, e.v)
	}
	b.buf = buf
	return Attrs{b: string(buf)}
}

// sort orders the entries by name: an insertion sort, as a profile has a
// few attributes that mostly arrive in the same order row after row.
func (b *ProfileBuilder) sort() {
	es := b.entries
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].name < es[j-1].name; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

// AppendNames appends the names of the attributes set to dst: in name
// order after Pack, in the order they were first set before it.
func (b *ProfileBuilder) AppendNames(dst []string) []string {
	dst = slices.Grow(dst, len(b.entries))
	for i := range b.entries {
		dst = append(dst, b.entries[i].name)
	}
	return dst
}
