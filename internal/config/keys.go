package config

import (
	"reflect"
	"sort"
	"strings"
	"time"
)

// Key describes one configuration key.
type Key struct {
	// Path is the key's dotted YAML path, such as "okta.rateLimit.maxRetries".
	Path string
	// Env is the environment variable that overrides it; "" for a key
	// that can only be set in a file (mapping.attributes).
	Env string
}

var durationType = reflect.TypeFor[time.Duration]()

// Keys lists every configuration key with its environment variable, in the
// order the Config type declares them.
func Keys() []Key {
	var keys []Key
	walkKeys(reflect.TypeFor[Config](), "", func(path string, f reflect.StructField) {
		env, _, _ := strings.Cut(f.Tag.Get("env"), ",")
		if env == "-" {
			env = "" // set in a file only
		}
		keys = append(keys, Key{Path: path, Env: env})
	})
	return keys
}

// walkKeys calls fn for every leaf key of struct type t.
func walkKeys(t reflect.Type, prefix string, fn func(path string, f reflect.StructField)) {
	for i := range t.NumField() {
		f := t.Field(i)
		name := yamlName(f)
		if name == "" {
			continue
		}
		path := joinPath(prefix, name)
		if st, ok := structType(f.Type); ok {
			walkKeys(st, path, fn)
			continue
		}
		fn(path, f)
	}
}

// structType reports whether t is a struct (or a pointer to one) that holds
// keys, rather than a leaf value.
func structType(t reflect.Type) (reflect.Type, bool) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct && t != durationType && t != passwordHashType {
		return t, true
	}
	return nil, false
}

func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	return name
}

func joinPath(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// fieldNames returns the YAML keys of struct type t, sorted.
func fieldNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if n := yamlName(t.Field(i)); n != "" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// Suggest returns the known name nearest to name (one differing only in
// case, else the closest by edit distance), or "" when none is close enough
// to be a likely typo. It is the did-you-mean of config keys, and of other
// names people type, such as profile attributes.
func Suggest(name string, known []string) string {
	best, bestDist := "", -1
	lname := strings.ToLower(name)
	for _, k := range known {
		if strings.ToLower(k) == lname {
			return k
		}
		d := editDistance(lname, strings.ToLower(k))
		if bestDist < 0 || d < bestDist {
			best, bestDist = k, d
		}
	}
	limit := max(2, len(name)/3)
	if bestDist < 0 || bestDist > limit {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, over bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
