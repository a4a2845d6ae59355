package diff

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/oktasync/oktasync/internal/directory"
)

// Fingerprint records, for a saved plan, what each user and group of the
// source looked like, small enough to keep in the plan file: per user and
// per group, 8 bytes of the SHA-256 of its key and 4 of its content, sorted
// and base64-encoded. Comparing two tells which users and groups differ
// without keeping the source itself (or its passwords, which are left out)
// in the plan.
type Fingerprint struct {
	Users  string `json:"users"`
	Groups string `json:"groups"`
}

const (
	fpKeyLen    = 8
	fpRecordLen = fpKeyLen + 4
)

// SourceFingerprint returns the fingerprint of the desired state d.
func SourceFingerprint(d *directory.Directory) *Fingerprint {
	users := make([][]byte, 0, len(d.Users))
	for _, lk := range d.UserKeys() {
		users = append(users, fpRecord(lk, userContent(d, lk)))
	}
	groups := make([][]byte, 0, len(d.Groups))
	for _, gk := range d.GroupKeys() {
		groups = append(groups, fpRecord(gk, groupContent(d, gk)))
	}
	return &Fingerprint{Users: fpEncode(users), Groups: fpEncode(groups)}
}

// userContent is what SourceDigest hashes of a user.
func userContent(d *directory.Directory, lk string) []any {
	u := d.Users[lk]
	vals := []any{}
	for a, v := range u.Profile.All() {
		vals = append(vals, a, directory.NormalizeValue(a, v))
	}
	return []any{"user", lk, strings.ToUpper(strings.TrimSpace(u.Status)), vals}
}

// groupContent is what SourceDigest hashes of a group: itself and its
// members.
func groupContent(d *directory.Directory, gk string) []any {
	g := d.Groups[gk]
	return []any{"group", gk, g.Name, g.HasDescription, g.Description, d.MemberKeys(gk)}
}

func fpRecord(key string, content any) []byte {
	k := sha256.Sum256([]byte(key))
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(content) // plain values always encode
	c := sha256.Sum256(buf.Bytes())
	return append(k[:fpKeyLen:fpKeyLen], c[:fpRecordLen-fpKeyLen]...)
}

func fpEncode(records [][]byte) string {
	slices.SortFunc(records, bytes.Compare)
	return base64.StdEncoding.EncodeToString(bytes.Join(records, nil))
}

// fpDecode returns the records of an encoded fingerprint part, content by
// key; ok is false when it is not one.
func fpDecode(s string) (map[string]string, bool) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b)%fpRecordLen != 0 {
		return nil, false
	}
	out := make(map[string]string, len(b)/fpRecordLen)
	for i := 0; i < len(b); i += fpRecordLen {
		out[string(b[i:i+fpKeyLen])] = string(b[i+fpKeyLen : i+fpRecordLen])
	}
	return out, true
}

// sourceChanges compares the fingerprint saved with a plan to the source
// now, and says in words which users and groups differ: "3 users differ
// (ada@example.com changed, bob@example.com added, 1 removed)". It returns
// "" when the saved fingerprint cannot be read.
func sourceChanges(saved *Fingerprint, now *directory.Directory) string {
	if saved == nil {
		return ""
	}
	users, ok1 := fpDecode(saved.Users)
	groups, ok2 := fpDecode(saved.Groups)
	if !ok1 || !ok2 {
		return ""
	}
	var parts []string
	if s := differences(users, now.UserKeys(), func(lk string) (string, []any) {
		return now.Users[lk].Login(), userContent(now, lk)
	}, "user", "users"); s != "" {
		parts = append(parts, s)
	}
	if s := differences(groups, now.GroupKeys(), func(gk string) (string, []any) {
		return fmt.Sprintf("%q", now.Groups[gk].Name), groupContent(now, gk)
	}, "group", "groups"); s != "" {
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// differences counts the keys whose records differ between saved and now
// and names the first few of those now has.
func differences(saved map[string]string, keys []string, describe func(key string) (name string, content []any), one, many string) string {
	const named = 3
	var names []string
	n, seen := 0, 0
	for _, k := range keys {
		name, content := describe(k)
		rec := string(fpRecord(k, content))
		old, ok := saved[rec[:fpKeyLen]]
		if ok {
			seen++
		}
		switch {
		case !ok:
			name += " added"
		case old != rec[fpKeyLen:]:
			name += " changed"
		default:
			continue
		}
		n++
		if len(names) < named {
			names = append(names, name)
		}
	}
	removed := len(saved) - seen
	n += removed
	if n == 0 {
		return ""
	}
	more := n - len(names) - removed
	if more > 0 {
		names = append(names, fmt.Sprintf("%d more", more))
	}
	if removed > 0 {
		names = append(names, fmt.Sprintf("%d removed", removed))
	}
	word := many
	verb := "differ"
	if n == 1 {
		word, verb = one, "differs"
	}
	return fmt.Sprintf("%d %s %s (%s)", n, word, verb, strings.Join(names, ", "))
}

// configPartWords names each part of the configuration a saved plan
// records (see Now.ConfigParts) as a sentence's subject.
var configPartWords = map[string]string{
	"org":     "the org the config names",
	"scope":   "the config's scope",
	"users":   "the config's users settings",
	"groups":  "the config's groups settings",
	"protect": "the config's protect lists",
	"safety":  "the config's safety limits",
	"apps":    "the config's apps list",
	"links":   "the config's manager links",
}

// configChanges says which recorded parts of the configuration differ:
// "the config's scope changed". It returns "" when none recorded does.
func configChanges(saved, now map[string]string) string {
	var changed []string
	for _, k := range slices.Sorted(mapKeys(saved, now)) {
		if saved[k] == now[k] {
			continue
		}
		w, ok := configPartWords[k]
		if !ok {
			w = "the config's " + k
		}
		changed = append(changed, w)
	}
	if len(changed) == 0 {
		return ""
	}
	return strings.Join(changed, " and ") + " changed"
}

func mapKeys(ms ...map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		seen := map[string]bool{}
		for _, m := range ms {
			for k := range m {
				if !seen[k] {
					seen[k] = true
					if !yield(k) {
						return
					}
				}
			}
		}
	}
}

// Now is what a saved plan is checked against when it is applied.
type Now struct {
	// ConfigDigest and ConfigParts identify the configuration now: the
	// whole, and each part by name (org, scope, users, groups, protect,
	// safety) so that a mismatch can name the parts that changed.
	ConfigDigest string
	ConfigParts  map[string]string
	// Source is the source's desired state now; SourceName names the
	// source for people ("users.csv", "the Postgres source").
	Source     *directory.Directory
	SourceName string
}

// Check checks that s can be applied now: the same plan format, config and
// source. A mismatch is an error wrapping ErrPlanMismatch that says in
// words what changed ("the config's scope changed", "users.csv changed: 3
// users differ (…)").
func (s *SavedPlan) Check(now Now) error {
	if err := s.Verify(s.ConfigDigest, s.SourceDigest); err != nil {
		return err // the format version, or no plan
	}
	if s.ConfigDigest != now.ConfigDigest {
		what := configChanges(s.ConfigParts, now.ConfigParts)
		if what == "" {
			what = "the config changed"
		}
		return fmt.Errorf("%w: %s since the plan was made; make a new plan", ErrPlanMismatch, what)
	}
	if s.SourceDigest != SourceDigest(now.Source) {
		name := now.SourceName
		if name == "" {
			name = "the source"
		}
		if what := sourceChanges(s.Source, now.Source); what != "" {
			return fmt.Errorf("%w: %s changed since the plan was made: %s; make a new plan", ErrPlanMismatch, name, what)
		}
		return fmt.Errorf("%w: %s changed since the plan was made; make a new plan", ErrPlanMismatch, name)
	}
	return nil
}
