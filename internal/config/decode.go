package config

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/oktasync/oktasync/internal/redact"
)

// secretKeys are the keys whose values are secrets in themselves.
var secretKeys = map[string]bool{
	"okta.token":          true,
	"okta.privateKey":     true,
	"okta.proxy.password": true,
}

// urlKeys are the keys whose values are URLs that may carry a password.
var urlKeys = map[string]bool{
	"source.postgres.url": true,
	"state.url":           true,
}

// decoder fills a Config from a YAML node tree, key by key, so that every
// error can name the key and line it is about.
type decoder struct {
	// where names the file for messages.
	where string
	// strict makes unknown keys an error; the Okta SDKs' files are read
	// leniently since they hold keys for other tools too.
	strict bool
	// lookupEnv resolves ${VAR} references.
	lookupEnv func(string) (string, bool)
	// rename maps a key as written in the file to oktasync's key name at
	// the same level (the Okta SDKs' privateKeyId is oktasync's kid).
	rename map[string]string
	// canon maps a key path as read to oktasync's key path (nil: as is).
	canon func(string) string

	// set records the dotted paths of the keys the file set.
	set map[string]bool
	// secrets lists the keys that hold a secret written out literally in
	// the file (not through ${VAR}).
	secrets []string
	errs    []error
}

func newDecoder(where string, strict bool, lookupEnv func(string) (string, bool)) *decoder {
	return &decoder{where: where, strict: strict, lookupEnv: lookupEnv, set: make(map[string]bool)}
}

func (d *decoder) canonKey(k string) string {
	if d.canon == nil {
		return k
	}
	return d.canon(k)
}

func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	where := d.where
	if n != nil && n.Line > 0 {
		where = fmt.Sprintf("%s line %d", d.where, n.Line)
	}
	d.errs = append(d.errs, &FieldError{Field: path, Msg: fmt.Sprintf(format, args...), Where: where})
}

// decodeStruct decodes mapping node n into struct value v (addressable)
// whose keys sit under path.
func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	n = resolveAlias(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		what := path
		if what == "" {
			what = "the file"
		}
		d.fail(n, path, "%s must be a mapping of keys, not %s", what, describeNode(n))
		return
	}
	t := v.Type()
	fields := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		if name := yamlName(t.Field(i)); name != "" {
			fields[name] = i
		}
	}
	seen := make(map[string]bool)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		name := k.Value
		if r, ok := d.rename[joinPath(path, name)]; ok {
			name = r
		}
		key := joinPath(path, name)
		idx, ok := fields[name]
		if !ok {
			if d.strict {
				msg := "unknown key"
				if s := Suggest(name, fieldNames(t)); s != "" {
					msg += fmt.Sprintf(" (did you mean %s?)", joinPath(path, s))
				}
				d.fail(k, key, "%s", msg)
			}
			continue
		}
		if seen[name] {
			d.fail(k, key, "key appears twice")
			continue
		}
		seen[name] = true
		fv := v.Field(idx)
		if fv.Type() == attributeMappingsType {
			d.decodeAttributeMappings(val, fv, key)
			continue
		}
		if fv.Type() == reflect.PointerTo(passwordHashType) {
			d.decodePasswordHash(val, fv, key)
			continue
		}
		if fv.Type() == appsType {
			d.decodeApps(val, fv, key)
			continue
		}
		if st, ok := structType(fv.Type()); ok {
			if fv.Kind() == reflect.Pointer {
				if isNull(resolveAlias(val)) {
					continue
				}
				if fv.IsNil() {
					fv.Set(reflect.New(st))
				}
				fv = fv.Elem()
			}
			d.decodeStruct(val, fv, key)
			continue
		}
		d.decodeLeaf(val, fv, key)
	}
}

// decodeLeaf decodes one value into fv.
func (d *decoder) decodeLeaf(n *yaml.Node, fv reflect.Value, key string) {
	n = resolveAlias(n)
	if fv.Type() == reflect.TypeFor[[]string]() {
		var out []string
		switch {
		case isNull(n):
		case n.Kind == yaml.SequenceNode:
			for _, item := range n.Content {
				item = resolveAlias(item)
				if item.Kind != yaml.ScalarNode {
					d.fail(item, key, "want a list of strings, found %s in it", describeNode(item))
					return
				}
				s, ok := d.expand(item, key)
				if !ok {
					return
				}
				out = append(out, s)
			}
		case n.Kind == yaml.ScalarNode:
			s, ok := d.expand(n, key)
			if !ok {
				return
			}
			out = splitList(s)
		default:
			d.fail(n, key, "want a list of strings, not %s", describeNode(n))
			return
		}
		fv.Set(reflect.ValueOf(out))
		d.set[d.canonKey(key)] = true
		return
	}
	if n.Kind != yaml.ScalarNode {
		d.fail(n, key, "want a single value, not %s", describeNode(n))
		return
	}
	if isNull(n) {
		fv.Set(reflect.Zero(fv.Type()))
		d.set[d.canonKey(key)] = true
		return
	}
	s, ok := d.expand(n, key)
	if !ok {
		return
	}
	if err := setValue(fv, s); err != nil {
		d.fail(n, key, "%v", err)
		return
	}
	ck := d.canonKey(key)
	d.set[ck] = true
	if s != "" && !strings.Contains(n.Value, "${") {
		if secretKeys[ck] || (urlKeys[ck] && redact.HasPassword(s)) {
			d.secrets = append(d.secrets, key)
		}
	}
}

// setValue parses s into fv according to fv's type. Its errors quote s,
// so it must never be used for a secret that can fail to parse (secrets
// are all plain strings, which cannot).
func setValue(fv reflect.Value, s string) error {
	if fv.Type() == durationType {
		dur, err := parseDuration(s)
		if err != nil {
			return err
		}
		fv.SetInt(int64(dur))
		return nil
	}
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(s)
	case reflect.Int:
		i, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("want a whole number, got %q", s)
		}
		fv.SetInt(int64(i))
	case reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return fmt.Errorf("want a number, got %q", s)
		}
		fv.SetFloat(f)
	case reflect.Bool:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true":
			fv.SetBool(true)
		case "false":
			fv.SetBool(false)
		default:
			return fmt.Errorf("want true or false, got %q", s)
		}
	default:
		return fmt.Errorf("unsupported type %s", fv.Type())
	}
	return nil
}

// parseDuration accepts a Go duration ("90s", "5m"), one with whole days
// in front ("30d", "1d12h"), as days-scale settings such as
// users.deleteAfter are written, or a whole number of seconds, as the Okta
// SDKs' files and environment use.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	bad := fmt.Errorf("want a duration such as 30s, 5m or 30d, or a number of seconds, got %q", s)
	var days time.Duration
	if m := daysPrefix.FindStringSubmatch(s); m != nil {
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || n > maxDays {
			return 0, bad
		}
		days, s = time.Duration(n)*24*time.Hour, m[2]
		if s == "" {
			return days, nil
		}
		if strings.HasPrefix(s, "-") {
			return 0, bad
		}
	}
	dur, err := time.ParseDuration(s)
	if err != nil {
		return 0, bad
	}
	return days + dur, nil
}

// daysPrefix matches a duration that starts with whole days: "30d",
// "1d12h".
var daysPrefix = regexp.MustCompile(`^(\d+)d(.*)$`)

// maxDays keeps a number of days within time.Duration (about 292 years).
const maxDays = 100_000

// splitList splits a list written as one string, with commas or spaces
// between items.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
}

var envRef = regexp.MustCompile(`\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}`)

// expand replaces ${VAR} and ${VAR:-default} in n's value. An unset VAR
// without a default is an error naming VAR (never its value); $${ is a
// literal ${.
func (d *decoder) expand(n *yaml.Node, key string) (string, bool) {
	ok := true
	out := envRef.ReplaceAllStringFunc(n.Value, func(m string) string {
		if m == "$${" {
			return "${"
		}
		sub := envRef.FindStringSubmatch(m)
		name := sub[1]
		if v, set := d.lookupEnv(name); set && v != "" {
			return v
		}
		if strings.Contains(m, ":-") {
			return sub[2]
		}
		if _, set := d.lookupEnv(name); set {
			return ""
		}
		d.fail(n, key, "environment variable %s is not set (write ${%s:-} to allow it to be unset)", name, name)
		ok = false
		return ""
	})
	return out, ok
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return "a single value"
	}
}

// parseYAML parses a whole file into a node tree; a syntax error names the
// file and line (yaml's own messages carry the line).
func parseYAML(data []byte, where string) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		return nil, fmt.Errorf("parse %s: %s: %w", where, msg, ErrInvalid)
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		return doc.Content[0], nil
	}
	return nil, nil
}

// fileMode returns the permission bits of path, or 0 when it cannot be
// read.
func fileMode(path string) os.FileMode {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Mode().Perm()
}
