package diff

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/oktasync/oktasync/internal/directory"
)

// RenderOptions says how to render a plan as text.
type RenderOptions struct {
	// Color adds ANSI colours; set it only when writing to a terminal.
	Color bool
}

// ANSI colour codes.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
)

// RenderText writes p for people, in the manner of terraform: warnings,
// one line per operation ("+ create user jdoe@example.com", "~ update user
// …" with one "    attr: before → after" line per change, "- deactivate
// user …", "+ add jdoe@example.com to "Engineering"", …), then a summary
// line and how many users Okta will email (EmailLine), then why the plan is
// blocked, if it is. A membership that travels with its user's create
// (Operation.WithCreate) is listed on the create, as "    groups: …",
// not on a line of its own. Passwords are never written.
func RenderText(w io.Writer, p *Plan, opts RenderOptions) error {
	bw := bufio.NewWriter(w)
	paint := func(color, s string) string {
		if !opts.Color || color == "" {
			return s
		}
		return color + s + ansiReset
	}
	for _, warn := range p.Warnings {
		fmt.Fprintf(bw, "%s %s\n", paint(ansiYellow, "Warning:"), warn)
	}
	if len(p.Warnings) > 0 {
		bw.WriteString("\n")
	}
	carried := createGroups(p.Operations)
	for i := range p.Operations {
		op := &p.Operations[i]
		if op.Action == AddMember && op.WithCreate && carried[directory.LoginKey(op.Login)] != nil {
			continue
		}
		var groups []string
		if op.Action == CreateUser {
			groups = carried[directory.LoginKey(op.Login)]
		}
		renderOp(bw, op, groups, paint)
	}
	if len(p.Operations) > 0 {
		bw.WriteString("\n")
		bw.WriteString(paint(ansiBold, SummaryLine(p.Summary)) + "\n")
		if line := EmailLine(p.Summary); line != "" {
			bw.WriteString(line + "\n")
		}
	} else if len(p.Held) > 0 {
		bw.WriteString(paint(ansiBold, "No changes to apply; some are held back (below).") + "\n")
	} else if p.LeftAlone > 0 {
		fmt.Fprintf(bw, "%s\n", paint(ansiBold, fmt.Sprintf("No changes to apply, but %d source %s left alone (warnings above): Okta may differ from the source for %s.",
			p.LeftAlone, plural(p.LeftAlone, "user is", "users are"), plural(p.LeftAlone, "it", "them"))))
	} else {
		bw.WriteString(paint(ansiBold, "No changes. Okta matches the source within oktasync's scope.") + "\n")
	}
	renderHeld(bw, p.Held, paint)
	if p.Blocked {
		bw.WriteString("\n")
		bw.WriteString(paint(ansiRed+ansiBold, "Blocked: nothing will be applied.") + "\n")
		for _, b := range p.Blocks {
			fmt.Fprintf(bw, "  %s %s\n", paint(ansiRed, "✗"), b.Message)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
}

// renderHeld lists the operations held back, rule by rule, each rule
// followed by why and how to apply them.
func renderHeld(w *bufio.Writer, held []Held, paint func(color, s string) string) {
	for i := 0; i < len(held); {
		j := i
		for j < len(held) && held[j].Rule == held[i].Rule {
			j++
		}
		fmt.Fprintf(w, "\n%s\n", paint(ansiBold, "Held back, not applied:"))
		for k := i; k < j; k++ {
			w.WriteString("  ")
			renderOp(w, &held[k].Operation, nil, paint)
		}
		fmt.Fprintf(w, "  %s\n", HeldNote(held[i].Rule, j-i))
		i = j
	}
}

// opSign returns the leading symbol and its colour for an action.
func opSign(a Action) (string, string) {
	switch a {
	case CreateGroup, CreateUser, AddMember, AssignAppGroup, AssignAppUser:
		return "+", ansiGreen
	case RemoveMember, DeactivateUser, DeleteUser, DeleteGroup, ClearManager, UnassignAppGroup, UnassignAppUser:
		return "-", ansiRed
	}
	return "~", ansiYellow
}

// opVerb returns the words of an action's line.
func opVerb(a Action) string {
	switch a {
	case CreateGroup:
		return "create group"
	case UpdateGroup:
		return "update group"
	case DeleteGroup:
		return "delete group"
	case CreateUser:
		return "create user"
	case UpdateUser:
		return "update user"
	case ActivateUser:
		return "activate user"
	case ReactivateUser:
		return "reactivate user"
	case UnsuspendUser:
		return "unsuspend user"
	case SuspendUser:
		return "suspend user"
	case DeactivateUser:
		return "deactivate user"
	case DeleteUser:
		return "delete user"
	}
	return a.String()
}

// createGroups returns, by login key, the names of the groups whose
// memberships travel with the user's create, for the users ops creates.
func createGroups(ops []Operation) map[string][]string {
	created := make(map[string]bool)
	for i := range ops {
		if ops[i].Action == CreateUser {
			created[directory.LoginKey(ops[i].Login)] = true
		}
	}
	out := make(map[string][]string)
	for i := range ops {
		op := &ops[i]
		if lk := directory.LoginKey(op.Login); op.Action == AddMember && op.WithCreate && created[lk] {
			out[lk] = append(out[lk], op.Group)
		}
	}
	return out
}

// renderOp writes one operation; groups, for a CreateUser, are the groups
// its create puts the user in.
func renderOp(w *bufio.Writer, op *Operation, groups []string, paint func(color, s string) string) {
	sign, color := opSign(op.Action)
	var line string
	if l, ok := appLine(op); ok {
		line = l
		if len(op.Changes) > 0 {
			sign, color = "~", ansiYellow
		}
	}
	switch op.Action {
	case AssignAppGroup, AssignAppUser, UnassignAppGroup, UnassignAppUser:
	case AddMember:
		line = fmt.Sprintf("add %s to %s", op.Login, strconv.Quote(op.Group))
	case RemoveMember:
		line = fmt.Sprintf("remove %s from %s", op.Login, strconv.Quote(op.Group))
	case CreateGroup, UpdateGroup, DeleteGroup:
		line = opVerb(op.Action) + " " + strconv.Quote(op.Group)
	case SetManager, ClearManager:
		line = managerLine(op)
	default:
		line = opVerb(op.Action) + " " + op.Login
	}
	switch {
	case op.Action == CreateUser && !op.Activate && op.ImportedPassword:
		line += " (staged, with imported password)"
	case op.Action == CreateUser && !op.Activate:
		line += " (staged)"
	case op.Action == CreateUser && op.ImportedPassword:
		line += " (with imported password)"
	case op.Reason != "" && op.Action != CreateUser:
		line += " (" + op.Reason + ")"
	}
	fmt.Fprintf(w, "%s %s\n", paint(color, sign), line)

	switch op.Action {
	case CreateUser:
		attrs := make([]string, 0, len(op.Profile))
		for a := range op.Profile {
			if a != directory.AttrLogin {
				attrs = append(attrs, a)
			}
		}
		sort.Strings(attrs)
		for _, a := range attrs {
			fmt.Fprintf(w, "    %s: %s\n", a, FormatValue(op.Profile[a]))
		}
		if len(groups) > 0 {
			fmt.Fprintf(w, "    groups: %s\n", FormatValue(groups))
		}
	case CreateGroup:
		if op.Description != "" {
			fmt.Fprintf(w, "    description: %s\n", FormatValue(op.Description))
		}
		attrs := make([]string, 0, len(op.Attributes))
		for a := range op.Attributes {
			attrs = append(attrs, a)
		}
		sort.Strings(attrs)
		for _, a := range attrs {
			fmt.Fprintf(w, "    %s: %s\n", a, FormatValue(op.Attributes[a]))
		}
	case SetManager, ClearManager:
	case AssignAppGroup, AssignAppUser:
		renderAppAssignment(w, op)
	default:
		for _, ch := range op.Changes {
			fmt.Fprintf(w, "    %s: %s → %s\n", ch.Attr, FormatValue(ch.Before), FormatValue(ch.After))
		}
	}
}

// SummaryLine returns the plan's one-line summary, users, groups and
// memberships counted apart, e.g. "Plan: users 2 to create, 2 to update,
// 1 to deactivate; groups 1 to create; memberships 4 to add, 0 to remove."
// Users always show creates, updates and deactivations, and rarer actions
// (activate, reactivate, unsuspend, suspend, delete) when there are any;
// groups appear only when the plan changes some. Membership adds that travel
// with user creates are counted among the adds and said apart: "memberships
// 4 to add (3 with user creates), 0 to remove".
func SummaryLine(s Summary) string {
	type count struct {
		n      int
		verb   string
		always bool
	}
	list := func(counts ...count) string {
		var parts []string
		for _, c := range counts {
			if c.n > 0 || c.always {
				parts = append(parts, fmt.Sprintf("%d to %s", c.n, c.verb))
			}
		}
		return strings.Join(parts, ", ")
	}
	u, g := s.Users, s.Groups
	sections := []string{"users " + list(
		count{u.Create, "create", true}, count{u.Update, "update", true}, count{u.Activate, "activate", false},
		count{u.Reactivate, "reactivate", false}, count{u.Unsuspend, "unsuspend", false}, count{u.Suspend, "suspend", false},
		count{u.Deactivate, "deactivate", true}, count{u.Delete, "delete", false})}
	if g.Create+g.Update+g.Delete > 0 {
		sections = append(sections, "groups "+list(count{g.Create, "create", false}, count{g.Update, "update", false}, count{g.Delete, "delete", false}))
	}
	adds := fmt.Sprintf("%d to add", s.Memberships.Add)
	if s.Memberships.WithCreate > 0 {
		adds += fmt.Sprintf(" (%d with user creates)", s.Memberships.WithCreate)
	}
	sections = append(sections, "memberships "+adds+", "+list(count{s.Memberships.Remove, "remove", true}))
	if s.Managers.Set+s.Managers.Clear > 0 {
		sections = append(sections, "manager links "+list(count{s.Managers.Set, "set", true}, count{s.Managers.Clear, "clear", true}))
	}
	if a := s.Apps; a.Assign+a.Unassign > 0 {
		sections = append(sections, "app assignments "+list(count{a.Assign, "assign", true}, count{a.Unassign, "unassign", true}))
	}
	return "Plan: " + strings.Join(sections, "; ") + "."
}

// managerLine is a manager link operation's line: set manager of "bob"
// to "alice" (was "carol"), clear manager of "bob" (was "alice").
func managerLine(op *Operation) string {
	rel := op.Link
	if rel == "" {
		rel = "manager"
	}
	line := fmt.Sprintf("set %s of %s to %s", rel, strconv.Quote(op.Login), strconv.Quote(op.Manager))
	if op.Action == ClearManager {
		line = fmt.Sprintf("clear %s of %s", rel, strconv.Quote(op.Login))
	}
	for _, ch := range op.Changes {
		if b, ok := ch.Before.(string); ok && b != "" {
			line += " (was " + strconv.Quote(b) + ")"
		}
	}
	return line
}

// EmailLine says how many users Okta will email when a plan with summary s
// is applied ("Okta will email 3 users an activation link."), for a plan
// that creates, activates or reactivates users; "" for any other plan.
func EmailLine(s Summary) string {
	if s.Users.Create+s.Users.Activate+s.Users.Reactivate == 0 {
		return ""
	}
	if s.Emails == 0 {
		return "Okta will email no user."
	}
	return fmt.Sprintf("Okta will email %d %s an activation link.", s.Emails, plural(s.Emails, "user", "users"))
}

// FormatValue renders a profile value for people: strings quoted, numbers
// and booleans bare, arrays in brackets, no value as null.
func FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(x)
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case json.Number:
		return x.String()
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = FormatValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		parts := make([]string, rv.Len())
		for i := range rv.Len() {
			parts[i] = FormatValue(rv.Index(i).Interface())
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}
