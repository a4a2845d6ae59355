package source

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/directory"
)

// hashMapping is a compiled mapping.passwordHash: for each part, the
// column it reads or its constant.
type hashMapping struct {
	parts []hashPart
	// cols holds the columns the parts read.
	cols map[string]bool
}

type hashPart struct {
	name     string
	from     string
	constant string
	hasConst bool
}

func compileHash(h *config.PasswordHash) *hashMapping {
	if h == nil {
		return nil
	}
	hm := &hashMapping{cols: map[string]bool{}}
	for _, p := range h.Parts() {
		if !p.IsSet() {
			continue
		}
		hm.parts = append(hm.parts, hashPart{name: p.Name, from: p.From, constant: p.Value, hasConst: p.HasValue})
		if p.From != "" {
			hm.cols[p.From] = true
		}
	}
	return hm
}

// bind checks that the users table has the columns the hash reads.
func (hm *hashMapping) bind(names []string, add func(format string, args ...any)) bool {
	ok := true
	for _, p := range hm.parts {
		if p.from != "" && !slices.Contains(names, p.from) {
			msg := fmt.Sprintf("mapping.passwordHash.%s: no column %q", p.name, p.from)
			if s := foldMatch(p.from, names); s != "" {
				msg += fmt.Sprintf(": did you mean %q? (names are case-sensitive)", s)
			}
			add("%s (have %s)", msg, strings.Join(names, ", "))
			ok = false
		}
	}
	return ok
}

// build returns the hash of one row, whose hash columns' values (text,
// or numbers from SQL) are in vals by column name; nil when the row has
// no hash value. Problems never quote the value or the salt.
func (hm *hashMapping) build(vals map[string]any) (*directory.PasswordHash, []string) {
	get := map[string]string{}
	var problems []string
	for _, p := range hm.parts {
		v := p.constant
		if !p.hasConst {
			switch x := vals[p.from].(type) {
			case nil:
				continue
			case string:
				v = x
			case int64:
				v = strconv.FormatInt(x, 10)
			default:
				problems = append(problems, fmt.Sprintf("passwordHash %s (column %s): want text or a whole number, got %s", p.name, p.from, kindOf(x)))
				continue
			}
		}
		if v = strings.TrimSpace(v); v != "" {
			get[p.name] = v
		}
	}
	if get["value"] == "" {
		return nil, problems
	}
	h := &directory.PasswordHash{Value: get["value"], Salt: get["salt"]}
	h.Algorithm = strings.ToUpper(get["algorithm"])
	switch {
	case h.Algorithm == "":
		problems = append(problems, "passwordHash: the row has a hash but no algorithm")
	case !slices.Contains(directory.HashAlgorithms, h.Algorithm):
		problems = append(problems, fmt.Sprintf("passwordHash algorithm: want one of %s, got %q", strings.Join(directory.HashAlgorithms, ", "), truncate(get["algorithm"], 20)))
	}
	if len(problems) > 0 {
		return nil, problems
	}
	var ps hashProblems
	switch h.Algorithm {
	case directory.HashBCRYPT:
		ps.bcrypt(h, get)
	case directory.HashPBKDF2:
		ps.pbkdf2(h, get)
	default:
		ps.digest(h, get)
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return h, nil
}

// hashProblems collects what is wrong with one row's hash.
type hashProblems []string

func (ps *hashProblems) addf(format string, args ...any) {
	*ps = append(*ps, "passwordHash "+fmt.Sprintf(format, args...))
}

// number parses the part name as a whole number within [lo, hi] (hi 0:
// no upper bound); it reports a problem for a missing or bad one.
func (ps *hashProblems) number(get map[string]string, name string, lo, hi int) int {
	s, ok := get[name]
	if !ok {
		ps.addf("%s: required for this algorithm", name)
		return 0
	}
	n, err := strconv.Atoi(s)
	switch {
	case err != nil:
		ps.addf("%s: want a whole number, got %q", name, truncate(s, 20))
	case n < lo || (hi > 0 && n > hi):
		if hi > 0 {
			ps.addf("%s: %d is out of Okta's range %d–%d", name, n, lo, hi)
		} else {
			ps.addf("%s: %d is below Okta's minimum of %d", name, n, lo)
		}
	}
	return n
}

// radix64 is bcrypt's alphabet.
var radix64 = regexp.MustCompile(`^[./A-Za-z0-9]+$`)

// bcryptString matches a whole bcrypt string: $2a$10$ then the 22
// characters of the salt and the 31 of the hash.
var bcryptString = regexp.MustCompile(`^\$2[abxy]?\$([0-9]{2})\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$`)

// bcrypt checks a BCRYPT hash: Okta wants the salt (22 radix-64
// characters), the hash (31) and the work factor (1–20) apart. A whole
// bcrypt string in the value gives all three.
func (ps *hashProblems) bcrypt(h *directory.PasswordHash, get map[string]string) {
	if m := bcryptString.FindStringSubmatch(h.Value); m != nil {
		cost, _ := strconv.Atoi(m[1])
		if s, ok := get["salt"]; ok && s != m[2] {
			ps.addf("salt: differs from the salt inside the bcrypt value; leave salt out")
		}
		if w, ok := get["workFactor"]; ok && w != strconv.Itoa(cost) && w != m[1] {
			ps.addf("workFactor: %s differs from the cost %d inside the bcrypt value", truncate(w, 20), cost)
		}
		h.Salt, h.Value = m[2], m[3]
		get = map[string]string{"workFactor": strconv.Itoa(cost)}
	} else if strings.HasPrefix(h.Value, "$") {
		ps.addf("value: looks like a bcrypt string but is not one ($2a$, $2b$ or $2y$, a two-digit cost, then 53 characters)")
		return
	}
	h.WorkFactor = ps.number(get, "workFactor", 1, 20)
	switch {
	case len(h.Value) != 31 || !radix64.MatchString(h.Value):
		ps.addf("value: a BCRYPT value is 31 radix-64 characters (./A-Za-z0-9) or a whole $2a$/$2b$/$2y$ string; this one is %d characters", len(h.Value))
	case h.Salt == "":
		ps.addf("salt: required for BCRYPT (22 radix-64 characters)")
	case len(h.Salt) != 22 || !radix64.MatchString(h.Salt):
		ps.addf("salt: a BCRYPT salt is 22 radix-64 characters (./A-Za-z0-9); this one is %d characters", len(h.Salt))
	}
}

// digestSizes are the digest lengths, in bytes, of the plain hashes.
var digestSizes = map[string]int{directory.HashSHA512: 64, directory.HashSHA256: 32, directory.HashSHA1: 20, directory.HashMD5: 16}

// digest checks a SHA-512, SHA-256, SHA-1 or MD5 hash: a base64 digest of
// the algorithm's size, and an optional base64 salt with its order.
func (ps *hashProblems) digest(h *directory.PasswordHash, get map[string]string) {
	if n, ok := decodedLen(h.Value); !ok {
		ps.addf("value: not base64")
	} else if n != digestSizes[h.Algorithm] {
		ps.addf("value: a %s digest is %d bytes; this one decodes to %d", h.Algorithm, digestSizes[h.Algorithm], n)
	}
	order, hasOrder := get["saltOrder"]
	switch {
	case h.Salt == "":
		return
	case !isBase64(h.Salt):
		ps.addf("salt: not base64")
	case !hasOrder:
		ps.addf("saltOrder: required with a salt (PREFIX or POSTFIX)")
	case !slices.Contains([]string{"PREFIX", "POSTFIX"}, strings.ToUpper(order)):
		ps.addf("saltOrder: want PREFIX or POSTFIX, got %q", truncate(order, 20))
	default:
		h.SaltOrder = strings.ToUpper(order)
	}
}

// pbkdf2 checks a PBKDF2 hash: base64 value and salt, at least 4096
// iterations (Okta's minimum), a key size that is the value's length, and
// the digest algorithm.
func (ps *hashProblems) pbkdf2(h *directory.PasswordHash, get map[string]string) {
	h.IterationCount = ps.number(get, "iterationCount", 4096, 0)
	h.KeySize = ps.number(get, "keySize", 1, 0)
	n, ok := decodedLen(h.Value)
	switch {
	case !ok:
		ps.addf("value: not base64")
	case h.KeySize > 0 && n != h.KeySize:
		ps.addf("keySize: %d bytes, but the value decodes to %d", h.KeySize, n)
	}
	switch {
	case h.Salt == "":
		ps.addf("salt: required for PBKDF2 (base64)")
	case !isBase64(h.Salt):
		ps.addf("salt: not base64")
	}
	d, ok := get["digestAlgorithm"]
	switch d = strings.ToUpper(d); {
	case !ok:
		ps.addf("digestAlgorithm: required for PBKDF2 (SHA256_HMAC or SHA512_HMAC)")
	case d != "SHA256_HMAC" && d != "SHA512_HMAC":
		ps.addf("digestAlgorithm: want SHA256_HMAC or SHA512_HMAC, got %q", truncate(get["digestAlgorithm"], 20))
	default:
		h.DigestAlgorithm = d
	}
}

// decodedLen returns the length of standard base64 s once decoded.
func decodedLen(s string) (int, bool) {
	b, err := base64.StdEncoding.DecodeString(s)
	return len(b), err == nil
}

func isBase64(s string) bool { _, ok := decodedLen(s); return ok }
