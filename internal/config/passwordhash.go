package config

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// PasswordHash says where the parts of an imported password hash come
// from (mapping.passwordHash). A user oktasync creates is given the hash
// of its row (Okta's credentials.password.hash), so that it keeps the
// password it had in the system the hashes come from; nothing else ever
// sees the hash. Each part is a column ({from: column}, or a column name
// alone) or a constant ({value: …}). Value is required and always a
// column; a row whose value is empty has no hash.
type PasswordHash struct {
	// Algorithm is BCRYPT, SHA-512, SHA-256, SHA-1, MD5 or PBKDF2.
	Algorithm HashPart `yaml:"algorithm"`
	// Value is the hash (for BCRYPT, the 31 characters after the salt, or
	// a whole $2a$/$2b$/$2y$ string, which gives the salt and work factor
	// too).
	Value HashPart `yaml:"value"`
	// Salt is the salt (BCRYPT: 22 radix-64 characters; others: base64).
	Salt HashPart `yaml:"salt"`
	// SaltOrder is PREFIX or POSTFIX: where the salt went for SHA-* and
	// MD5.
	SaltOrder HashPart `yaml:"saltOrder"`
	// WorkFactor is BCRYPT's cost, 1 to 20.
	WorkFactor HashPart `yaml:"workFactor"`
	// IterationCount (at least 4096), KeySize (bytes) and DigestAlgorithm
	// (SHA256_HMAC or SHA512_HMAC) are PBKDF2's parameters.
	IterationCount  HashPart `yaml:"iterationCount"`
	KeySize         HashPart `yaml:"keySize"`
	DigestAlgorithm HashPart `yaml:"digestAlgorithm"`
	// Where locates the section for messages ("oktasync.yaml line 50").
	Where string `yaml:"-"`
}

// HashPart is one part of a PasswordHash: a column (From) or a constant
// (Value, with HasValue); neither when the part is not given.
type HashPart struct {
	From     string
	Value    string
	HasValue bool
	// Where locates the part for messages.
	Where string
}

// IsSet reports whether the part is given.
func (p HashPart) IsSet() bool { return p.From != "" || p.HasValue }

// Parts returns the parts by their key names, in the order of the type.
func (h *PasswordHash) Parts() []NamedHashPart {
	return []NamedHashPart{
		{"algorithm", h.Algorithm}, {"value", h.Value}, {"salt", h.Salt}, {"saltOrder", h.SaltOrder},
		{"workFactor", h.WorkFactor}, {"iterationCount", h.IterationCount}, {"keySize", h.KeySize},
		{"digestAlgorithm", h.DigestAlgorithm},
	}
}

// NamedHashPart is a HashPart with its key name.
type NamedHashPart struct {
	Name string
	HashPart
}

// Columns returns the columns the hash reads.
func (h *PasswordHash) Columns() []string {
	var out []string
	for _, p := range h.Parts() {
		if p.From != "" && !slices.Contains(out, p.From) {
			out = append(out, p.From)
		}
	}
	return out
}

var (
	passwordHashType = reflect.TypeFor[PasswordHash]()
	hashAlgorithms   = []string{"BCRYPT", "SHA-512", "SHA-256", "SHA-1", "MD5", "PBKDF2"}
	hashSaltOrders   = []string{"PREFIX", "POSTFIX"}
	hashDigests      = []string{"SHA256_HMAC", "SHA512_HMAC"}
)

// decodePasswordHash decodes mapping.passwordHash.
func (d *decoder) decodePasswordHash(n *yaml.Node, fv reflect.Value, key string) {
	n = resolveAlias(n)
	d.set[d.canonKey(key)] = true
	if isNull(n) {
		fv.Set(reflect.Zero(fv.Type()))
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, key, "want a mapping such as {algorithm: {value: BCRYPT}, value: {from: password_hash}}, not %s", describeNode(n))
		return
	}
	h := &PasswordHash{Where: fmt.Sprintf("%s line %d", d.where, n.Line)}
	parts := map[string]*HashPart{
		"algorithm": &h.Algorithm, "value": &h.Value, "salt": &h.Salt, "saltOrder": &h.SaltOrder,
		"workFactor": &h.WorkFactor, "iterationCount": &h.IterationCount, "keySize": &h.KeySize,
		"digestAlgorithm": &h.DigestAlgorithm,
	}
	names := make([]string, 0, len(parts))
	for _, p := range h.Parts() {
		names = append(names, p.Name)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], resolveAlias(n.Content[i+1])
		path := joinPath(key, k.Value)
		p, ok := parts[k.Value]
		switch {
		case !ok:
			msg := "unknown key (want " + strings.Join(names, ", ") + ")"
			if s := Suggest(k.Value, names); s != "" {
				msg += fmt.Sprintf("; did you mean %s?", s)
			}
			d.fail(k, path, "%s", msg)
			continue
		case seen[k.Value]:
			d.fail(k, path, "key appears twice")
			continue
		}
		seen[k.Value] = true
		d.set[d.canonKey(path)] = true
		p.Where = fmt.Sprintf("%s line %d", d.where, k.Line)
		d.decodeHashPart(val, p, path)
	}
	fv.Set(reflect.ValueOf(h))
}

// decodeHashPart decodes one part: a column name, {from: column} or
// {value: constant}.
func (d *decoder) decodeHashPart(n *yaml.Node, p *HashPart, path string) {
	switch {
	case isNull(n):
		return
	case n.Kind == yaml.ScalarNode:
		p.From, _ = d.expand(n, path)
		return
	case n.Kind != yaml.MappingNode:
		d.fail(n, path, "want {from: column}, {value: constant} or a column name, not %s", describeNode(n))
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], resolveAlias(n.Content[i+1])
		if val.Kind != yaml.ScalarNode || isNull(val) {
			d.fail(val, joinPath(path, k.Value), "want a single value")
			continue
		}
		s, ok := d.expand(val, joinPath(path, k.Value))
		if !ok {
			continue
		}
		switch k.Value {
		case "from":
			p.From = s
		case "value":
			p.Value, p.HasValue = s, true
		default:
			d.fail(k, joinPath(path, k.Value), "unknown key (want from or value)")
		}
	}
}

// validatePasswordHash checks mapping.passwordHash: which parts are
// given, and the constants' spelling. The ranges of the parameters and
// the form of the values are checked for each row by the source.
func (c *Config) validatePasswordHash() []error {
	h := c.Mapping.PasswordHash
	if h == nil {
		return nil
	}
	var errs []error
	bad := func(where, field, format string, args ...any) {
		if where == "" {
			where = h.Where
		}
		errs = append(errs, &FieldError{Field: "mapping.passwordHash" + field, Msg: fmt.Sprintf(format, args...), Where: where})
	}
	if !h.Algorithm.IsSet() {
		bad("", ".algorithm", "required: {value: BCRYPT} (or SHA-512, SHA-256, SHA-1, MD5, PBKDF2), or {from: column}")
	}
	switch {
	case !h.Value.IsSet():
		bad("", ".value", "required: the column holding the hash, as {from: column}")
	case h.Value.HasValue:
		bad(h.Value.Where, ".value", "must be a column ({from: column}): one constant hash would give every user the same password")
	}
	for _, p := range h.Parts() {
		if p.From != "" && p.HasValue {
			bad(p.Where, "."+p.Name, "set from or value, not both")
		}
		if slices.Contains(mappingReserved, p.From) {
			bad(p.Where, "."+p.Name, "column %q has its own meaning; name another column", p.From)
		}
		c.checkHashConstant(p, bad)
	}
	for _, col := range h.Columns() {
		for _, r := range c.Mapping.Attributes {
			if r.From == col {
				bad(r.Where, "", "column %q is part of the password hash and is never copied into a profile (mapping.attributes.%s reads it)", col, r.Attribute)
			}
		}
	}
	return errs
}

// checkHashConstant checks a part given as a constant, and a part given
// as a column name that looks like a constant, which most likely was
// meant as one.
func (c *Config) checkHashConstant(p NamedHashPart, bad func(where, field, format string, args ...any)) {
	var allowed []string
	numeric := false
	switch p.Name {
	case "algorithm":
		allowed = hashAlgorithms
	case "saltOrder":
		allowed = hashSaltOrders
	case "digestAlgorithm":
		allowed = hashDigests
	case "workFactor", "iterationCount", "keySize":
		numeric = true
	default:
		return
	}
	if p.From != "" {
		_, err := strconv.Atoi(p.From)
		if slices.Contains(allowed, p.From) || (numeric && err == nil) {
			bad(p.Where, "."+p.Name, "%q names a column; for the constant write {value: %s}", p.From, p.From)
		}
		return
	}
	if !p.HasValue {
		return
	}
	if numeric {
		if _, err := strconv.Atoi(p.Value); err != nil {
			bad(p.Where, "."+p.Name, "want a whole number, got %q", p.Value)
		}
		return
	}
	if !slices.Contains(allowed, p.Value) {
		msg := fmt.Sprintf("want one of %s, got %q", strings.Join(allowed, ", "), p.Value)
		if s := Suggest(p.Value, allowed); s != "" {
			msg += fmt.Sprintf("; did you mean %s?", s)
		}
		bad(p.Where, "."+p.Name, "%s", msg)
	}
}
