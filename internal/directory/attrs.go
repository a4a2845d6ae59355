package directory

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Attrs is a user's profile in compact, immutable form: the attributes and
// their values packed into one string. A directory of a million users holds
// a million profiles; as maps they cost several hundred bytes of overhead
// each, packed only a few bytes more than the values themselves.
//
// The encoding is canonical: two profiles with the same attributes holding
// the same values of the same types pack to the same bytes, so Equal is a
// string comparison, and a profile read from Okta that matches the source's
// can share its storage (Intern).
//
// Values keep their Go types as Profile documents them: string, int64,
// float64, bool, []string, and nil (an attribute to be cleared). Any other
// integer type, and a whole float64, comes back as int64; an []any of
// strings comes back as []string; any other value (an []any of numbers, a map) is kept as its JSON
// and comes back as encoding/json decodes it. All of these are EqualValues
// to what was packed.
//
// The zero Attrs is an empty profile.
type Attrs struct {
	b string
}

// Value tags, one byte after each attribute's id.
const (
	tagNil byte = iota
	tagString
	tagInt
	tagFloat
	tagFalse
	tagTrue
	tagStrings
	tagJSON
)

// attrNames numbers attribute names process-wide, so that a packed profile
// holds a small id per attribute instead of its name. A process sees tens or
// hundreds of distinct names, never more than its profiles' schemas hold.
var attrNames struct {
	mu    sync.Mutex
	ids   atomic.Pointer[map[string]uint64] // read without the lock
	names atomic.Pointer[[]string]
}

// attrID returns name's id, numbering it when it is new.
func attrID(name string) uint64 {
	if m := attrNames.ids.Load(); m != nil {
		if id, ok := (*m)[name]; ok {
			return id
		}
	}
	attrNames.mu.Lock()
	defer attrNames.mu.Unlock()
	var old map[string]uint64
	if m := attrNames.ids.Load(); m != nil {
		old = *m
		if id, ok := old[name]; ok {
			return id
		}
	}
	var names []string
	if p := attrNames.names.Load(); p != nil {
		names = *p
	}
	name = strings.Clone(name)
	id := uint64(len(names))
	ids := make(map[string]uint64, len(old)+1)
	for k, v := range old {
		ids[k] = v
	}
	ids[name] = id
	names = append(slices.Clip(names), name)
	attrNames.names.Store(&names)
	attrNames.ids.Store(&ids)
	return id
}

// lookupAttrID returns name's id without numbering it.
func lookupAttrID(name string) (uint64, bool) {
	m := attrNames.ids.Load()
	if m == nil {
		return 0, false
	}
	id, ok := (*m)[name]
	return id, ok
}

func attrName(id uint64) string {
	return (*attrNames.names.Load())[id]
}

// Pack returns p in compact form.
func (p Profile) Pack() Attrs {
	if len(p) == 0 {
		return Attrs{}
	}
	sc := packScratch.Get().(*packBuf)
	names := sc.names[:0]
	for k := range p {
		names = append(names, k)
	}
	slices.Sort(names)
	b := sc.b[:0]
	for _, name := range names {
		b = appendAttr(b, name, p[name])
	}
	a := Attrs{b: string(b)}
	clear(names)
	sc.names, sc.b = names, b
	packScratch.Put(sc)
	return a
}

// appendAttr appends one attribute's id, tag and value.
func appendAttr(b []byte, name string, v any) []byte {
	b = binary.AppendUvarint(b, attrID(name))
	switch x := v.(type) {
	case nil:
		return append(b, tagNil)
	case string:
		return appendString(append(b, tagString), x)
	case bool:
		if x {
			return append(b, tagTrue)
		}
		return append(b, tagFalse)
	case int:
		return binary.AppendVarint(append(b, tagInt), int64(x))
	case int64:
		return binary.AppendVarint(append(b, tagInt), x)
	case int32:
		return binary.AppendVarint(append(b, tagInt), int64(x))
	case float64:
		// A whole number packs as an integer, whatever its Go type:
		// Okta's JSON gives float64 where a source gives int64, and the
		// two must pack alike to be Equal.
		return appendAttrValue(b, x)
	case []string:
		b = binary.AppendUvarint(append(b, tagStrings), uint64(len(x)))
		for _, s := range x {
			b = appendString(b, s)
		}
		return b
	case []any:
		if allStrings(x) {
			b = binary.AppendUvarint(append(b, tagStrings), uint64(len(x)))
			for _, e := range x {
				b = appendString(b, e.(string))
			}
			return b
		}
	}
	if n, ok := toNumber(v); ok {
		if n.isInt {
			return binary.AppendVarint(append(b, tagInt), n.i)
		}
		return appendAttrValue(b, n.f)
	}
	j, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("directory: profile attribute %s holds a %T, which has no JSON form: %v", name, v, err))
	}
	return appendString(append(b, tagJSON), string(j))
}

// appendAttrValue appends a float64 value (tag and payload).
func appendAttrValue(b []byte, f float64) []byte {
	if i, ok := exactInt(f); ok {
		return binary.AppendVarint(append(b, tagInt), i)
	}
	return binary.LittleEndian.AppendUint64(append(b, tagFloat), math.Float64bits(f))
}

// exactInt returns f as an int64 when it is a whole number that float64
// holds exactly (|f| ≤ 2^53), so that the conversion loses nothing.
func exactInt(f float64) (int64, bool) {
	const limit = 1 << 53
	if f != math.Trunc(f) || f < -limit || f > limit {
		return 0, false
	}
	if f == 0 && math.Signbit(f) {
		return 0, false // keep -0 as it is
	}
	return int64(f), true
}

func allStrings(a []any) bool {
	for _, e := range a {
		if _, ok := e.(string); !ok {
			return false
		}
	}
	return true
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// cursor walks a packed profile.
type cursor struct {
	s   string
	pos int
}

func (c *cursor) done() bool { return c.pos >= len(c.s) }

func (c *cursor) uvarint() uint64 {
	var x uint64
	var shift uint
	for {
		b := c.s[c.pos]
		c.pos++
		if b < 0x80 {
			return x | uint64(b)<<shift
		}
		x |= uint64(b&0x7f) << shift
		shift += 7
	}
}

func (c *cursor) varint() int64 {
	u := c.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (c *cursor) str() string {
	n := int(c.uvarint())
	s := c.s[c.pos : c.pos+n]
	c.pos += n
	return s
}

// next reads one attribute: its id, and its value when decode is true
// (otherwise the value is skipped).
func (c *cursor) next(decode bool) (id uint64, v any) {
	id = c.uvarint()
	tag := c.s[c.pos]
	c.pos++
	switch tag {
	case tagNil:
		return id, nil
	case tagString:
		s := c.str()
		if decode {
			v = s
		}
	case tagInt:
		i := c.varint()
		if decode {
			v = i
		}
	case tagFloat:
		var u uint64
		for i := 7; i >= 0; i-- {
			u = u<<8 | uint64(c.s[c.pos+i])
		}
		f := math.Float64frombits(u)
		c.pos += 8
		if decode {
			v = f
		}
	case tagFalse:
		if decode {
			v = false
		}
	case tagTrue:
		if decode {
			v = true
		}
	case tagStrings:
		n := int(c.uvarint())
		var out []string
		if decode {
			out = make([]string, n)
		}
		for i := range n {
			s := c.str()
			if decode {
				out[i] = s
			}
		}
		if decode {
			v = out
		}
	case tagJSON:
		j := c.str()
		if decode {
			// A variable of its own: taking v's address would move v to
			// the heap on every call.
			var x any
			if err := json.Unmarshal([]byte(j), &x); err != nil {
				panic("directory: corrupt packed profile: " + err.Error())
			}
			v = x
		}
	default:
		panic(fmt.Sprintf("directory: corrupt packed profile: tag %d", tag))
	}
	return id, v
}

// Get returns the value of attribute name, and whether the profile has it.
// A string value shares the profile's storage.
func (a Attrs) Get(name string) (any, bool) {
	want, ok := lookupAttrID(name)
	if !ok {
		return nil, false
	}
	c := cursor{s: a.b}
	for !c.done() {
		start := c.pos
		id := c.uvarint()
		c.pos = start
		if id == want {
			_, v := c.next(true)
			return v, true
		}
		c.next(false)
	}
	return nil, false
}

// Value returns the value of attribute name, or nil when the profile does
// not have it.
func (a Attrs) Value(name string) any {
	v, _ := a.Get(name)
	return v
}

// Str returns attribute name when it holds a string, and "" otherwise,
// without boxing it in an interface.
func (a Attrs) Str(name string) string {
	want, ok := lookupAttrID(name)
	if !ok {
		return ""
	}
	c := cursor{s: a.b}
	for !c.done() {
		start := c.pos
		id := c.uvarint()
		if id == want && c.s[c.pos] == tagString {
			c.pos++
			return c.str()
		}
		c.pos = start
		c.next(false)
	}
	return ""
}

// Len returns the number of attributes.
func (a Attrs) Len() int {
	n := 0
	for c := (cursor{s: a.b}); !c.done(); c.next(false) {
		n++
	}
	return n
}

// All yields the attributes and their values in name order.
func (a Attrs) All() iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		c := cursor{s: a.b}
		for !c.done() {
			id, v := c.next(true)
			if !yield(attrName(id), v) {
				return
			}
		}
	}
}

// Names yields the attribute names in order.
func (a Attrs) Names() iter.Seq[string] {
	return func(yield func(string) bool) {
		for c := (cursor{s: a.b}); !c.done(); {
			id, _ := c.next(false)
			if !yield(attrName(id)) {
				return
			}
		}
	}
}

// Map returns the profile as a new map, which the caller may change.
func (a Attrs) Map() Profile {
	p := make(Profile)
	for k, v := range a.All() {
		p[k] = v
	}
	return p
}

// Equal reports whether two profiles pack to the same bytes: the same
// attributes with the same values, numbers compared by value (int64(2) and
// 2.0 are one value) and arrays of strings whatever their Go type. Profiles
// that are EqualValues attribute by attribute but differ otherwise (the
// case of an email, an empty string against an absent attribute) are not
// Equal; diff compares those value by value.
func (a Attrs) Equal(b Attrs) bool { return a.b == b.b }

// Shares reports whether a and b are one stored profile, not merely Equal
// ones: what a large directory's memory depends on, for tests to check.
func (a Attrs) Shares(b Attrs) bool {
	return len(a.b) > 0 && len(a.b) == len(b.b) && unsafe.StringData(a.b) == unsafe.StringData(b.b)
}

// MarshalJSON writes the profile as a JSON object.
func (a Attrs) MarshalJSON() ([]byte, error) { return json.Marshal(a.Map()) }

// UnmarshalJSON reads a JSON object.
func (a *Attrs) UnmarshalJSON(b []byte) error {
	var p Profile
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*a = p.Pack()
	return nil
}

// String renders the profile for debugging.
func (a Attrs) String() string { return fmt.Sprint(map[string]any(a.Map())) }
