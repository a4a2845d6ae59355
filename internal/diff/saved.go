package diff

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/oktasync/oktasync/internal/directory"
)

// SavedPlanVersion is the format version NewSavedPlan makes and Verify
// accepts.
const SavedPlanVersion = 1

// ErrPlanMismatch is wrapped by the error of SavedPlan.Verify when a saved
// plan was made for another configuration, another source, or by another
// version of oktasync's plan format.
var ErrPlanMismatch = errors.New("saved plan does not match")

// SavedPlan is a plan written for review (`oktasync plan --out`) and applied
// later (`oktasync apply`). It records what it was made from and, for each
// operation, what the operation expects to find in Okta, so that apply can
// refuse a plan whose targets have changed since (see CheckConflicts).
// It is plain data: the file is its JSON form, which holds no password
// (see RestorePasswords); writing and reading the file is the caller's.
type SavedPlan struct {
	Version int `json:"version"`
	// ConfigDigest and SourceDigest identify the configuration and the
	// source the plan was made from; apply refuses a plan whose digests
	// differ from its own.
	ConfigDigest string `json:"configDigest"`
	SourceDigest string `json:"sourceDigest"`
	// ConfigParts identify each part of the configuration by name (see
	// Now.ConfigParts), and Source each user and group of the source, so
	// that a mismatch can say what changed; plans saved without them get
	// a vaguer message.
	ConfigParts map[string]string `json:"configParts,omitempty"`
	Source      *Fingerprint      `json:"source,omitempty"`
	CreatedAt   time.Time         `json:"createdAt"`
	Plan        *Plan             `json:"plan"`
	// Expect holds each operation's expectation, by Seq.
	Expect map[int]Expectation `json:"expect"`
}

// Expectation is what one operation expects to find in Okta when it is
// applied. Nil parts are not checked.
type Expectation struct {
	// User is the state of the operation's user; nil when the operation
	// has no user, or its user is created by the plan.
	User *UserExpectation `json:"user,omitempty"`
	// Group is the state of the operation's group; nil when it has none.
	Group *GroupExpectation `json:"group,omitempty"`
	// Member, for membership operations, is whether the user is a member
	// of the group (false before an add, true before a removal).
	Member *bool `json:"member,omitempty"`
}

// UserExpectation is the expected state of a user.
type UserExpectation struct {
	// Exists is whether a user with the login exists; false before a create.
	Exists bool `json:"exists"`
	// ID is the user's Okta id when it exists.
	ID string `json:"id,omitempty"`
	// Status is the user's status, for lifecycle operations ("" is not
	// checked).
	Status string `json:"status,omitempty"`
	// Attrs holds, for updates, the values the plan saw for the attributes
	// it changes (nil: no value).
	Attrs map[string]any `json:"attrs,omitempty"`
}

// GroupExpectation is the expected state of a group.
type GroupExpectation struct {
	// Exists is whether a group with the name exists; false before a create.
	Exists bool `json:"exists"`
	// ID is the group's Okta id when it exists.
	ID string `json:"id,omitempty"`
	// Description, for group updates, is the description the plan saw.
	Description *string `json:"description,omitempty"`
	// Attrs holds, for group updates, the values the plan saw for the
	// custom attributes it changes (nil: no value).
	Attrs map[string]any `json:"attrs,omitempty"`
}

// Conflict is an operation of a saved plan whose target has changed in
// Okta since the plan was made.
type Conflict struct {
	Seq    int    `json:"seq"`
	Action Action `json:"action"`
	// Target is the login, the group name, or "group/login" for a
	// membership.
	Target string `json:"target"`
	// Reason says what changed, e.g. `status is SUSPENDED; the plan saw ACTIVE`.
	Reason string `json:"reason"`
}

// String renders the conflict for people.
func (c Conflict) String() string {
	return fmt.Sprintf("operation %d (%s %s): %s", c.Seq, c.Action, c.Target, c.Reason)
}

// NewSavedPlan wraps p, computed from current, for saving: it records the
// digests, the time (given, so that this stays pure) and each operation's
// expectation as current shows it.
func NewSavedPlan(p *Plan, current *directory.Directory, configDigest, sourceDigest string, createdAt time.Time) *SavedPlan {
	s := &SavedPlan{
		Version:      SavedPlanVersion,
		ConfigDigest: configDigest,
		SourceDigest: sourceDigest,
		CreatedAt:    createdAt.UTC(),
		Plan:         p,
		Expect:       make(map[int]Expectation, len(p.Operations)),
	}
	for i := range p.Operations {
		op := &p.Operations[i]
		s.Expect[op.Seq] = expectationOf(op, current)
	}
	return s
}

func userExpectation(login string, current *directory.Directory) *UserExpectation {
	cu, ok := current.Users[directory.LoginKey(login)]
	if !ok {
		return &UserExpectation{}
	}
	return &UserExpectation{Exists: true, ID: cu.ID}
}

func groupExpectation(name string, current *directory.Directory) *GroupExpectation {
	cg, ok := current.Groups[directory.GroupKey(name)]
	if !ok {
		return &GroupExpectation{}
	}
	return &GroupExpectation{Exists: true, ID: cg.ID}
}

func expectationOf(op *Operation, current *directory.Directory) Expectation {
	var e Expectation
	switch op.Action {
	case CreateGroup, DeleteGroup:
		e.Group = groupExpectation(op.Group, current)
	case UpdateGroup:
		e.Group = groupExpectation(op.Group, current)
		if cg, ok := current.Groups[directory.GroupKey(op.Group)]; ok {
			d := cg.Description
			e.Group.Description = &d
			for a := range op.Attributes {
				if e.Group.Attrs == nil {
					e.Group.Attrs = make(map[string]any, len(op.Attributes))
				}
				e.Group.Attrs[a] = cg.Attrs[a]
			}
		}
	case CreateUser, SetManager, ClearManager:
		e.User = userExpectation(op.Login, current)
	case UpdateUser:
		e.User = userExpectation(op.Login, current)
		if cu, ok := current.Users[directory.LoginKey(op.Login)]; ok {
			e.User.Attrs = make(map[string]any, len(op.Profile))
			for a := range op.Profile {
				e.User.Attrs[a] = cu.Profile.Value(a)
			}
		}
	case ActivateUser, ReactivateUser, UnsuspendUser, SuspendUser, DeactivateUser, DeleteUser:
		e.User = userExpectation(op.Login, current)
		if cu, ok := current.Users[directory.LoginKey(op.Login)]; ok {
			e.User.Status = cu.Status
		}
	case AddMember, RemoveMember:
		gk, lk := directory.GroupKey(op.Group), directory.LoginKey(op.Login)
		if _, ok := current.Groups[gk]; ok {
			e.Group = groupExpectation(op.Group, current)
		}
		if _, ok := current.Users[lk]; ok {
			e.User = userExpectation(op.Login, current)
		}
		member := current.IsMember(op.Group, op.Login)
		e.Member = &member
	}
	return e
}

// Verify checks that s can be applied with the given configuration and
// source digests; a mismatch is an error wrapping ErrPlanMismatch.
func (s *SavedPlan) Verify(configDigest, sourceDigest string) error {
	switch {
	case s.Version != SavedPlanVersion:
		return fmt.Errorf("%w: the plan has format version %d, this oktasync reads version %d; make a new plan",
			ErrPlanMismatch, s.Version, SavedPlanVersion)
	case s.Plan == nil:
		return fmt.Errorf("%w: the saved plan holds no plan", ErrPlanMismatch)
	case s.ConfigDigest != configDigest:
		return fmt.Errorf("%w: the plan was made with another configuration; make a new plan", ErrPlanMismatch)
	case s.SourceDigest != sourceDigest:
		return fmt.Errorf("%w: the source has changed since the plan was made; make a new plan", ErrPlanMismatch)
	}
	return nil
}

// CheckConflicts reports, in Seq order, the operations of saved whose
// targets in current differ from what the plan expected: a user or group
// created, deleted or replaced since, a status or attribute value changed,
// a membership already made or undone. membersRead holds the GroupKeys
// whose member lists current holds; a membership in a group whose members
// were not read is reported as a conflict, since it cannot be checked. An
// empty result means the plan can be applied exactly as reviewed.
func CheckConflicts(saved *SavedPlan, current *directory.Directory, membersRead map[string]bool) []Conflict {
	if saved == nil || saved.Plan == nil {
		return nil
	}
	var out []Conflict
	for i := range saved.Plan.Operations {
		op := &saved.Plan.Operations[i]
		conflict := func(format string, args ...any) {
			out = append(out, Conflict{Seq: op.Seq, Action: op.Action, Target: opTarget(op), Reason: fmt.Sprintf(format, args...)})
		}
		e, ok := saved.Expect[op.Seq]
		if !ok {
			conflict("the saved plan records no expectation for this operation")
			continue
		}
		var reasons []string
		if e.Group != nil {
			reasons = append(reasons, checkGroup(e.Group, op.Group, current)...)
		}
		if e.User != nil {
			reasons = append(reasons, checkUser(e.User, op.Login, current)...)
		}
		if e.Member != nil {
			gk := directory.GroupKey(op.Group)
			_, groupExists := current.Groups[gk]
			switch {
			case groupExists && !membersRead[gk]:
				reasons = append(reasons, fmt.Sprintf("the members of group %q were not read, so the membership cannot be checked", op.Group))
			case current.IsMember(op.Group, op.Login) != *e.Member:
				if *e.Member {
					reasons = append(reasons, "the membership was removed since the plan")
				} else {
					reasons = append(reasons, "the membership was made since the plan")
				}
			}
		}
		if len(reasons) > 0 {
			conflict("%s", strings.Join(reasons, "; "))
		}
	}
	return out
}

func opTarget(op *Operation) string {
	switch op.Action {
	case AddMember, RemoveMember:
		return op.Group + "/" + op.Login
	case CreateGroup, UpdateGroup, DeleteGroup:
		return op.Group
	}
	return op.Login
}

func checkUser(e *UserExpectation, login string, current *directory.Directory) []string {
	cu, exists := current.Users[directory.LoginKey(login)]
	switch {
	case !e.Exists && exists:
		return []string{fmt.Sprintf("user %s now exists in Okta (id %s)", login, cu.ID)}
	case !e.Exists:
		return nil
	case !exists:
		return []string{fmt.Sprintf("user %s no longer exists in Okta", login)}
	case e.ID != "" && cu.ID != e.ID:
		return []string{fmt.Sprintf("user %s was replaced (id %s; the plan saw %s)", login, cu.ID, e.ID)}
	}
	var reasons []string
	if e.Status != "" && !strings.EqualFold(cu.Status, e.Status) {
		reasons = append(reasons, fmt.Sprintf("status is %s; the plan saw %s", cu.Status, e.Status))
	}
	attrs := make([]string, 0, len(e.Attrs))
	for a := range e.Attrs {
		attrs = append(attrs, a)
	}
	slices.Sort(attrs)
	for _, a := range attrs {
		if cv := cu.Profile.Value(a); !directory.EqualValues(a, e.Attrs[a], cv) {
			reasons = append(reasons, fmt.Sprintf("%s is %s; the plan saw %s", a, FormatValue(cv), FormatValue(e.Attrs[a])))
		}
	}
	return reasons
}

func checkGroup(e *GroupExpectation, name string, current *directory.Directory) []string {
	cg, exists := current.Groups[directory.GroupKey(name)]
	switch {
	case !e.Exists && exists:
		return []string{fmt.Sprintf("group %q now exists in Okta (id %s)", name, cg.ID)}
	case !e.Exists:
		return nil
	case !exists:
		return []string{fmt.Sprintf("group %q no longer exists in Okta", name)}
	case e.ID != "" && cg.ID != e.ID:
		return []string{fmt.Sprintf("group %q was replaced (id %s; the plan saw %s)", name, cg.ID, e.ID)}
	case e.Description != nil && cg.Description != *e.Description:
		return []string{fmt.Sprintf("description is %s; the plan saw %s", FormatValue(cg.Description), FormatValue(*e.Description))}
	}
	var reasons []string
	for _, a := range slices.Sorted(maps.Keys(e.Attrs)) {
		if cv := cg.Attrs[a]; !directory.EqualValues(a, e.Attrs[a], cv) {
			reasons = append(reasons, fmt.Sprintf("%s is %s; the plan saw %s", a, FormatValue(cv), FormatValue(e.Attrs[a])))
		}
	}
	return reasons
}

// RestorePasswords sets the initial password and imported password hash
// of each CreateUser operation from the source's users, since neither is
// ever saved. Call it only after Verify has checked that desired is the
// source the plan was made from (its digest covers which users have a
// hash, so a hash the plan promised is there).
func (s *SavedPlan) RestorePasswords(desired *directory.Directory) {
	if s.Plan == nil || desired == nil {
		return
	}
	for i := range s.Plan.Operations {
		op := &s.Plan.Operations[i]
		if op.Action != CreateUser {
			continue
		}
		op.Password = desired.Password(directory.LoginKey(op.Login))
		op.PasswordHash = desired.PasswordHash(directory.LoginKey(op.Login))
	}
}

// SourceDigest returns a digest of the desired state d: its users (login,
// status, profile values after normalisation, whether it has an imported
// password hash), groups (name, description when given, custom attributes)
// and memberships, in a canonical order. Passwords and hash values are
// left out, so the digest reveals nothing of them; two sources that differ
// only in passwords or hash values have the same digest.
func SourceDigest(d *directory.Directory) string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	write := func(v any) {
		// Encoding to a hash cannot fail for these plain values.
		_ = enc.Encode(v)
	}
	write("oktasync-source-v1")
	for _, lk := range d.UserKeys() {
		u := d.Users[lk]
		// All yields attributes in name order.
		vals := []any{}
		for a, v := range u.Profile.All() {
			vals = append(vals, a, directory.NormalizeValue(a, v))
		}
		write([]any{"user", lk, strings.ToUpper(strings.TrimSpace(u.Status)), vals})
		if d.PasswordHash(lk) != nil {
			write([]any{"imported-hash", lk})
		}
	}
	for _, gk := range d.GroupKeys() {
		g := d.Groups[gk]
		write([]any{"group", gk, g.Name, g.HasDescription, g.Description})
		if len(g.Attrs) > 0 {
			attrs := []any{}
			for _, a := range slices.Sorted(maps.Keys(g.Attrs)) {
				attrs = append(attrs, a, directory.NormalizeValue(a, g.Attrs[a]))
			}
			write([]any{"group-attrs", gk, attrs})
		}
	}
	groups := make([]string, 0, len(d.Members))
	for gk := range d.Members {
		groups = append(groups, gk)
	}
	slices.Sort(groups)
	for _, gk := range groups {
		write([]any{"members", gk, d.MemberKeys(gk)})
	}
	for _, lk := range slices.Sorted(maps.Keys(d.Managers)) {
		write([]any{"manager", lk, d.Managers[lk].Value})
	}
	for _, col := range sortedKeys(d.AppLists) {
		for _, lk := range sortedKeys(d.AppLists[col]) {
			write([]any{"apps", col, lk, d.AppLists[col][lk]})
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
