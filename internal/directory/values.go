package directory

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// CaseInsensitiveAttr reports whether attribute attr is compared without
// regard to case (login and email).
func CaseInsensitiveAttr(attr string) bool {
	return attr == AttrLogin || attr == AttrEmail
}

// IsEmptyValue reports whether v counts as "no value": nil, "", or an
// array with no elements.
func IsEmptyValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []string:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		return rv.Len() == 0
	case reflect.Pointer, reflect.Interface, reflect.Map:
		return rv.IsNil()
	}
	return false
}

// EqualValues reports whether a and b are the same value of profile
// attribute attr.
//
// Values are compared after normalisation, so that a value read from a
// source and the same value read back from Okta's JSON are equal:
//
//   - Empty: nil, an absent attribute, "" and an empty array are all "no
//     value". Okta does not keep an empty string apart from a missing one
//     in any way a sync could rely on, and treating them alike means an
//     empty cell never causes an update that would be planned again on
//     every run.
//   - Numbers of any Go numeric type (int, int64, uint8, float32, float64,
//     json.Number, …) are equal when their values are equal: 42, int64(42)
//     and 42.0 are one value. A float32 is taken at its shortest decimal
//     form, so float32(0.1) equals 0.1. A number never equals a string: a
//     source column that holds numbers as text must declare its type.
//   - Strings are compared exactly, except the login and email attributes,
//     which are compared case-insensitively: Okta treats logins
//     case-insensitively, and mail systems treat addresses so in practice,
//     so a change of case alone is not worth an update.
//   - Arrays ([]string, []any, []int64, …) are equal when they have the
//     same length and equal elements in the same order; Okta keeps array
//     order, so order is part of the value.
//   - Booleans are equal when they are the same boolean.
//   - Anything else is compared with reflect.DeepEqual.
func EqualValues(attr string, a, b any) bool {
	return equalValues(CaseInsensitiveAttr(attr), a, b)
}

func equalValues(fold bool, a, b any) bool {
	ae, be := IsEmptyValue(a), IsEmptyValue(b)
	if ae || be {
		return ae && be
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		if !ok {
			return false
		}
		if fold {
			return strings.EqualFold(x, y)
		}
		return x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	}
	if xn, ok := toNumber(a); ok {
		yn, ok := toNumber(b)
		return ok && xn.equal(yn)
	}
	if eq, ok := equalStringArrays(a, b); ok {
		return eq
	}
	if xl, ok := arrayLen(a); ok {
		yl, ok := arrayLen(b)
		if !ok || xl != yl {
			return false
		}
		for i := range xl {
			if !equalElem(arrayAt(a, i), arrayAt(b, i)) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// equalStringArrays compares the common shapes of string arrays ([]string
// against []string or []any) without boxing their elements; ok is false
// for any other pair.
func equalStringArrays(a, b any) (equal, ok bool) {
	as, aok := a.([]string)
	bs, bok := b.([]string)
	switch {
	case aok && bok:
		return slices.Equal(as, bs), true
	case aok:
		if ba, ok := b.([]any); ok {
			return stringsEqualAny(as, ba), true
		}
	case bok:
		if aa, ok := a.([]any); ok {
			return stringsEqualAny(bs, aa), true
		}
	}
	return false, false
}

func stringsEqualAny(s []string, a []any) bool {
	if len(s) != len(a) {
		return false
	}
	for i, e := range a {
		if x, ok := e.(string); !ok || x != s[i] {
			return false
		}
	}
	return true
}

// equalElem compares two array elements: like equalValues, except that an
// empty string element is kept apart from a nil one only by its type.
func equalElem(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if x, ok := a.(string); ok {
		y, ok := b.(string)
		return ok && x == y
	}
	return equalValues(false, a, b)
}

// NormalizeValue returns v in its canonical form, for keys, digests and
// tests: empty values become nil; numbers become int64 when they are whole
// and fit, float64 otherwise; arrays become []any of normalised elements;
// the login and email become lower case. Two values are EqualValues exactly
// when their normalised forms are reflect.DeepEqual.
func NormalizeValue(attr string, v any) any {
	if IsEmptyValue(v) {
		return nil
	}
	switch x := v.(type) {
	case string:
		if CaseInsensitiveAttr(attr) {
			return strings.ToLower(x)
		}
		return x
	case bool:
		return x
	}
	if n, ok := toNumber(v); ok {
		if n.isInt {
			return n.i
		}
		return n.f
	}
	if l, ok := arrayLen(v); ok {
		out := make([]any, l)
		for i := range l {
			e := arrayAt(v, i)
			if s, ok := e.(string); ok {
				out[i] = s
				continue
			}
			if e == nil {
				continue
			}
			out[i] = NormalizeValue("", e)
		}
		return out
	}
	return v
}

// number is a numeric value: an exact integer when isInt, else a float.
type number struct {
	i     int64
	f     float64
	isInt bool
}

func (n number) equal(m number) bool {
	if n.isInt && m.isInt {
		return n.i == m.i
	}
	return n.float() == m.float()
}

func (n number) float() float64 {
	if n.isInt {
		return float64(n.i)
	}
	return n.f
}

func fromFloat(f float64) number {
	if f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64 {
		return number{i: int64(f), isInt: true}
	}
	return number{f: f}
}

// toNumber reads any Go numeric type, or a json.Number, as a number.
func toNumber(v any) (number, bool) {
	switch x := v.(type) {
	case int:
		return number{i: int64(x), isInt: true}, true
	case int64:
		return number{i: x, isInt: true}, true
	case int32:
		return number{i: int64(x), isInt: true}, true
	case float64:
		return fromFloat(x), true
	case float32:
		f, err := strconv.ParseFloat(strconv.FormatFloat(float64(x), 'g', -1, 32), 64)
		if err != nil {
			return number{}, false
		}
		return fromFloat(f), true
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return number{i: i, isInt: true}, true
		}
		f, err := x.Float64()
		if err != nil {
			return number{}, false
		}
		return fromFloat(f), true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return number{i: rv.Int(), isInt: true}, true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u <= math.MaxInt64 {
			return number{i: int64(u), isInt: true}, true
		}
		return number{f: float64(u)}, true
	case reflect.Float32, reflect.Float64:
		return fromFloat(rv.Float()), true
	}
	return number{}, false
}

// arrayLen returns the length of an array value, and whether v is one.
func arrayLen(v any) (int, bool) {
	switch x := v.(type) {
	case []string:
		return len(x), true
	case []any:
		return len(x), true
	case string, nil:
		return 0, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		return rv.Len(), true
	}
	return 0, false
}

// arrayAt returns element i of an array value.
func arrayAt(v any, i int) any {
	switch x := v.(type) {
	case []string:
		return x[i]
	case []any:
		return x[i]
	}
	return reflect.ValueOf(v).Index(i).Interface()
}

// CloneValue returns a copy of v that shares no slice with it, so that a
// plan never aliases the profiles it was computed from.
func CloneValue(v any) any {
	switch x := v.(type) {
	case []string:
		return slices.Clone(x)
	case []any:
		if x == nil {
			return x
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = CloneValue(e)
		}
		return out
	}
	return v
}
