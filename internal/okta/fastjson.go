package okta

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The pages of a large read (a million users: 5,000 user pages and some
// 3,000 member pages of full user objects) are most of what a sync spends
// CPU on, and encoding/json's reflection over them, with a map and boxed
// values for every profile, most of that. The two list shapes a sync reads
// in bulk, []*BasicUser and []*Member, are therefore decoded by hand: one
// pass over the bytes that skips every field it does not keep (links,
// credentials, timestamps, type), shares the strings of attribute names and
// statuses across a page, and allocates the page's objects in one slice.
//
// It gives what encoding/json gives for the same body. Any body it does not
// take (invalid JSON, an unexpected type, a field name in another case
// than the one kept, which encoding/json would also match) goes to
// encoding/json, whose result and error stand.

// errFast reports a body the hand decoder leaves to encoding/json.
var errFast = errors.New("okta: not decoded by hand")

// decodeFast decodes the bulk list shapes by hand; other types, and bodies
// it does not take, are left to encoding/json.
func decodeFast(body []byte, out any) error {
	var err error
	switch o := out.(type) {
	case *[]*BasicUser:
		var users []*BasicUser
		if users, err = decodeBasicUsers(body); err == nil {
			*o = users
			return nil
		}
	case *[]*Member:
		var members []*Member
		if members, err = decodeMembers(body); err == nil {
			*o = members
			return nil
		}
	}
	return json.Unmarshal(body, out)
}

// scanner reads one JSON document. names shares the strings of object keys
// and short string values (statuses) within a page.
type scanner struct {
	b     []byte
	i     int
	names map[string]string
	// keyPlain says that the key object last gave a field was plain
	// (ASCII, no escape).
	keyPlain bool
}

func (s *scanner) ws() {
	for s.i < len(s.b) && s.b[s.i] <= ' ' {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// atEnd reports whether only white space is left.
func (s *scanner) atEnd() bool {
	s.ws()
	return s.i == len(s.b)
}

// peek returns the next byte after white space, or 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) eat(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) literal(lit string) bool {
	if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
		s.i += len(lit)
		return true
	}
	return false
}

// special marks the bytes a string scan stops at: the quote, the
// backslash, control bytes and non-ASCII bytes.
var special = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf
	}
	return t
}()

// rawString returns the bytes between the quotes of the string at s.i
// (after white space), and whether it is plain: no escape, only ASCII.
func (s *scanner) rawString() (raw []byte, plain bool, err error) {
	if s.peek() != '"' {
		return nil, false, errFast
	}
	start := s.i + 1
	plain = true
	b := s.b
	j := start
	for {
		// Eight bytes at a time while none is special, then one at a
		// time up to the special one.
		for j+8 <= len(b) && plainWord(b[j:]) {
			j += 8
		}
		for j < len(b) && !special[b[j]] {
			j++
		}
		if j >= len(b) {
			return nil, false, errFast
		}
		switch c := b[j]; {
		case c == '"':
			s.i = j + 1
			return b[start:j], plain, nil
		case c == '\\':
			plain = false
			n := escapeLen(b[j+1:])
			if n == 0 {
				return nil, false, errFast
			}
			j += n // the escaped bytes are never the closing quote
		case c < 0x20:
			return nil, false, errFast
		default:
			plain = false
		}
		j++
	}
}

// Bytes repeated over a word, for plainWord.
const (
	eachByte = 0x0101010101010101
	highBits = 0x8080808080808080
)

// plainWord reports whether none of the first eight bytes of b is
// special: a quote, a backslash, a control byte or a non-ASCII byte.
func plainWord(b []byte) bool {
	x := binary.LittleEndian.Uint64(b)
	q := x ^ (eachByte * '"')
	bs := x ^ (eachByte * '\\')
	// (v - 0x01…) &^ v has a byte's high bit set for a zero byte of v,
	// and (x - 0x20…) &^ x for a byte of x below 0x20 (the first such
	// byte at least, which is all a yes or no needs); x's own high bits
	// are its non-ASCII bytes.
	return ((q-eachByte)&^q|(bs-eachByte)&^bs|(x-eachByte*0x20)&^x|x)&highBits == 0
}

// escapeLen returns how many bytes after a backslash its escape takes,
// or 0 when b does not start a valid one.
func escapeLen(b []byte) int {
	if len(b) == 0 {
		return 0
	}
	switch b[0] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 1
	case 'u':
		if len(b) < 5 {
			return 0
		}
		for _, h := range b[1:5] {
			if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
				return 0
			}
		}
		return 5
	}
	return 0
}

// plainOrDecoded reads a string: a plain one (no escapes) as its raw bytes
// in the body, any other decoded by escaped.
func (s *scanner) plainOrDecoded() (raw []byte, decoded string, plain bool, err error) {
	start := s.i
	raw, plain, err = s.rawString()
	if err != nil || plain {
		return raw, "", plain, err
	}
	decoded, err = s.escaped(start)
	return nil, decoded, false, err
}

// str decodes a string; a plain one is copied, any other decoded by
// encoding/json (escapes, UTF-8 checks), so that both read it alike.
func (s *scanner) str(share bool) (string, error) {
	raw, decoded, plain, err := s.plainOrDecoded()
	if err != nil || !plain {
		return decoded, err
	}
	if share {
		if v, ok := s.names[string(raw)]; ok {
			return v, nil
		}
		v := string(raw)
		s.names[v] = v
		return v, nil
	}
	return string(raw), nil
}

// escaped decodes, with encoding/json, the string just scanned from start
// (white space before it included): one with escapes or non-ASCII bytes.
func (s *scanner) escaped(start int) (string, error) {
	var v string
	if err := json.Unmarshal(s.b[s.ws0(start):s.i], &v); err != nil {
		return "", errFast
	}
	return v, nil
}

// ws0 returns the position of the first byte after white space from i.
func (s *scanner) ws0(i int) int {
	for i < len(s.b) && (s.b[i] == ' ' || s.b[i] == '\t' || s.b[i] == '\n' || s.b[i] == '\r') {
		i++
	}
	return i
}

// number scans a JSON number and returns it as encoding/json gives it
// into an interface: a float64.
func (s *scanner) number() (float64, error) {
	s.ws()
	start, j := s.i, s.i
	digits := func() bool {
		k := j
		for j < len(s.b) && s.b[j] >= '0' && s.b[j] <= '9' {
			j++
		}
		return j > k
	}
	if j < len(s.b) && s.b[j] == '-' {
		j++
	}
	switch {
	case j < len(s.b) && s.b[j] == '0':
		j++
	case !digits():
		return 0, errFast
	}
	if j < len(s.b) && s.b[j] == '.' {
		j++
		if !digits() {
			return 0, errFast
		}
	}
	if j < len(s.b) && (s.b[j] == 'e' || s.b[j] == 'E') {
		j++
		if j < len(s.b) && (s.b[j] == '+' || s.b[j] == '-') {
			j++
		}
		if !digits() {
			return 0, errFast
		}
	}
	f, err := strconv.ParseFloat(string(s.b[start:j]), 64)
	if err != nil {
		return 0, errFast
	}
	s.i = j
	return f, nil
}

// value decodes any value as encoding/json does into an interface.
func (s *scanner) value() (any, error) {
	switch c := s.peek(); {
	case c == '"':
		return s.str(false)
	case c == '{':
		m := map[string]any{}
		err := s.object(func(key []byte) error {
			v, err := s.value()
			m[s.name(key)] = v
			return err
		})
		return m, err
	case c == '[':
		a := []any{}
		err := s.array(func() error {
			v, err := s.value()
			a = append(a, v)
			return err
		})
		return a, err
	case c == 't' && s.literal("true"):
		return true, nil
	case c == 'f' && s.literal("false"):
		return false, nil
	case c == 'n' && s.literal("null"):
		return nil, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	}
	return nil, errFast
}

// skip passes over any value, checking its syntax.
func (s *scanner) skip() error {
	switch c := s.peek(); {
	case c == '"':
		_, _, err := s.rawString()
		return err
	case c == '{':
		return s.object(func([]byte) error { return s.skip() })
	case c == '[':
		return s.array(s.skip)
	case c == 't' && s.literal("true"), c == 'f' && s.literal("false"), c == 'n' && s.literal("null"):
		return nil
	case c == '-' || (c >= '0' && c <= '9'):
		_, err := s.number()
		return err
	}
	return errFast
}

// object reads an object, calling field for each key with the scanner at
// its value; field must read the value. A key is given as its raw bytes
// when plain (ASCII, no escape), else decoded.
func (s *scanner) object(field func(key []byte) error) error {
	if !s.eat('{') {
		return errFast
	}
	if s.eat('}') {
		return nil
	}
	for {
		start := s.i
		raw, plain, err := s.rawString()
		if err != nil {
			return err
		}
		if !plain {
			var k string
			if json.Unmarshal(s.b[s.ws0(start):s.i], &k) != nil {
				return errFast
			}
			raw = []byte(k)
		}
		s.keyPlain = plain
		if !s.eat(':') {
			return errFast
		}
		if err := field(raw); err != nil {
			return err
		}
		if s.eat('}') {
			return nil
		}
		if !s.eat(',') {
			return errFast
		}
	}
}

// name returns key as a string shared within the page.
func (s *scanner) name(key []byte) string {
	if v, ok := s.names[string(key)]; ok {
		return v
	}
	v := string(key)
	s.names[v] = v
	return v
}

// array reads an array, calling elem with the scanner at each element.
func (s *scanner) array(elem func() error) error {
	if !s.eat('[') {
		return errFast
	}
	if s.eat(']') {
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		if s.eat(']') {
			return nil
		}
		if !s.eat(',') {
			return errFast
		}
	}
}

// other skips the value of a field not kept, unless its name matches a
// kept one in another case: encoding/json would decode that one.
func (s *scanner) other(key []byte, kept ...string) error {
	ascii := true
	for i := 0; !s.keyPlain && i < len(key); i++ {
		ascii = ascii && key[i] < utf8.RuneSelf
	}
	for _, k := range kept {
		// A fold of ASCII letters keeps the length; others (the Kelvin
		// sign for k, the long s for s) are longer in UTF-8. So an
		// ASCII key folds to k only if it has k's length.
		if ascii && len(key) == len(k) && asciiEqualFold(key, k) ||
			!ascii && len(key) >= len(k) && strings.EqualFold(k, string(key)) {
			return errFast
		}
	}
	return s.skip()
}

// asciiEqualFold reports whether the ASCII bytes a equal b but for the
// case of letters; len(a) == len(b).
func asciiEqualFold(a []byte, b string) bool {
	for i, c := range a {
		d := b[i]
		if c == d {
			continue
		}
		if c|0x20 != d|0x20 || c|0x20 < 'a' || c|0x20 > 'z' {
			return false
		}
	}
	return true
}

// optString reads a string field's value: a string, or null, which leaves
// the field as it is (as encoding/json does).
func (s *scanner) optString(dst *string, share bool) error {
	if s.peek() == 'n' && s.literal("null") {
		return nil
	}
	v, err := s.str(share)
	*dst = v
	return err
}

// list decodes a body that is one array of objects, or null, with elem
// reading each object; it fails unless only white space follows.
func list[T any](body []byte, elem func(s *scanner, dst *T) error) ([]*T, error) {
	s := &scanner{b: body, names: make(map[string]string, 64)}
	if s.peek() == 'n' && s.literal("null") {
		if !s.atEnd() {
			return nil, errFast
		}
		return nil, nil
	}
	var slab []T
	err := s.array(func() error {
		slab = append(slab, *new(T))
		return elem(s, &slab[len(slab)-1])
	})
	if err != nil || !s.atEnd() {
		return nil, errFast
	}
	out := make([]*T, len(slab))
	for i := range slab {
		out[i] = &slab[i]
	}
	return out, nil
}

// decodeBasicUsers decodes a page of users as []*BasicUser.
func decodeBasicUsers(body []byte) ([]*BasicUser, error) {
	return list(body, func(s *scanner, u *BasicUser) error {
		return s.object(func(key []byte) error {
			switch string(key) {
			case "id":
				return s.optString(&u.ID, false)
			case "status":
				return s.optString(&u.Status, true)
			case "transitioningToStatus":
				return s.optString(&u.TransitioningToStatus, true)
			case "profile":
				return s.profile(&u.Profile)
			}
			return s.other(key, "id", "status", "transitioningToStatus", "profile")
		})
	})
}

// profile decodes a profile object, or null, into *dst, sharing attribute
// names; a profile given twice is merged, as encoding/json merges into an
// existing map.
func (s *scanner) profile(dst *map[string]any) error {
	if s.peek() == 'n' && s.literal("null") {
		*dst = nil
		return nil
	}
	if *dst == nil {
		*dst = make(map[string]any)
	}
	m := *dst
	return s.object(func(key []byte) error {
		v, err := s.value()
		m[s.name(key)] = v
		return err
	})
}

// decodeMembers decodes a page of group members as []*Member: the
// borrowed decoder's page (decodeMemberRefs), copied out of the body.
func decodeMembers(body []byte) ([]*Member, error) {
	refs, err := decodeMemberRefs(body, nil)
	if err != nil || bytes.Equal(bytes.TrimSpace(body), []byte("null")) {
		return nil, err
	}
	statuses := make(map[string]string, 4)
	slab := make([]Member, len(refs))
	out := make([]*Member, len(refs))
	for i, r := range refs {
		st, ok := statuses[r.Status]
		if !ok {
			st = strings.Clone(r.Status)
			statuses[st] = st
		}
		m := &slab[i]
		m.ID, m.Status, m.Profile.Login = strings.Clone(r.ID), st, strings.Clone(r.Login)
		out[i] = m
	}
	return out, nil
}
