package diff

import (
	"fmt"
	"strings"
	"time"

	"github.com/oktasync/oktasync/internal/directory"
)

// users plans creates, updates and status changes of the source's users.
func (c *computer) users() {
	for lk, du := range c.in.Desired.Users {
		if c.in.Frozen[lk] {
			c.unchanged++
			continue
		}
		cu, exists := c.in.Current.Users[lk]
		want := strings.ToUpper(strings.TrimSpace(du.Status))
		if !exists {
			c.createUser(lk, du, want)
			continue
		}
		if !c.in.Managed[lk] {
			c.outOfScope = append(c.outOfScope, du.Login())
			continue
		}
		if c.inTransition(lk, du, cu, want) {
			continue
		}
		status := c.statusOps(du, cu, want)
		update := c.profileUpdate(du, cu)
		if update != nil && c.staysDeprovisioned(cu, status) {
			update = nil
		}
		if update == nil && len(status) == 0 {
			c.unchanged++
			continue
		}
		if c.protected[lk] {
			c.unchanged++
			c.warn(warnUser+lk, "user %q is protected; its changes are left undone", du.Login())
			continue
		}
		if update != nil {
			c.add(lk, *update)
		}
		for _, op := range status {
			c.add(lk, op)
		}
	}
}

// inTransition reports whether Okta is still carrying out a status change
// of cu (transitioningToStatus): Okta refuses its lifecycle calls and
// profile updates until the change settles, so none is planned, and a
// later run plans what is still to do. It warns when something would be.
func (c *computer) inTransition(lk string, du, cu *directory.User, want string) bool {
	from, to, ok := cu.Transition()
	if !ok {
		return false
	}
	c.unchanged++
	if c.profileUpdate(du, cu) != nil || (want != "" && want != to) {
		c.warn(warnUser+lk, "user %q is changing status in Okta (%s to %s); its changes wait for a later run", du.Login(), from, to)
	}
	return true
}

// staysDeprovisioned reports whether cu is DEPROVISIONED and the status
// operations planned for it do not reactivate it, so that a profile update
// would be refused (unless the org lets deactivated profiles be edited).
func (c *computer) staysDeprovisioned(cu *directory.User, status []Operation) bool {
	if c.pol.EditDeactivatedProfiles || !strings.EqualFold(cu.Status, statusDeprovisioned) {
		return false
	}
	for _, op := range status {
		if op.Action == ReactivateUser {
			return false
		}
	}
	return true
}

// createUser plans the create of a user missing in Okta. Okta emails the
// activation link to every user created active without a password (its
// create has no sendEmail parameter), so when the policy sends no email
// such a user is created STAGED and then activated with sendEmail=false.
// A run stopped between the two finds the user STAGED, and the next plans
// its activation the same way.
func (c *computer) createUser(lk string, du *directory.User, want string) {
	if want == statusDeprovisioned {
		return
	}
	p := make(directory.Profile, du.Profile.Len())
	for k, v := range du.Profile.All() {
		if directory.IsEmptyValue(v) {
			continue
		}
		p[k] = v
	}
	password, hash := c.in.Desired.Password(lk), c.in.Desired.PasswordHash(lk)
	// A user with a password or an imported hash is created ACTIVE, and
	// Okta emails it nothing.
	hasPassword := password != "" || hash != nil
	activate := c.pol.CreateActive || want == statusActive || want == statusSuspended
	quiet := activate && !hasPassword && !c.pol.SendActivationEmail
	create := Operation{
		Action:           CreateUser,
		Login:            du.Login(),
		Profile:          p,
		Activate:         activate && !quiet,
		Password:         password,
		PasswordHash:     hash,
		ImportedPassword: hash != nil,
		Reason:           "missing in Okta",
	}
	create.SendEmail = create.Activate && !hasPassword
	c.add(lk, create)
	if quiet {
		c.add(lk, Operation{Action: ActivateUser, Login: du.Login(), Reason: "created STAGED, so that Okta sends no email"})
	}
	if want == statusSuspended {
		c.warn(warnUser+lk, "user %q is created now and can be suspended on a later run, once it is ACTIVE", du.Login())
	}
}

// profileUpdate returns the UpdateUser operation for the attributes of du
// that differ from cu, or nil.
func (c *computer) profileUpdate(du, cu *directory.User) *Operation {
	if du.Profile.Equal(cu.Profile) {
		// The common case: the same values packed the same way.
		return nil
	}
	var changes []Change
	for a, dv := range du.Profile.All() {
		if cv := cu.Profile.Value(a); !directory.EqualValues(a, dv, cv) {
			changes = append(changes, Change{Attr: a, Before: cv, After: dv})
		}
	}
	if len(changes) == 0 {
		return nil
	}
	// All yields attributes in name order, so the changes are sorted.
	op := &Operation{
		Action:  UpdateUser,
		Login:   cu.Login(),
		UserID:  cu.ID,
		Profile: make(directory.Profile, len(changes)),
		Changes: changes,
	}
	for _, ch := range changes {
		op.Profile[ch.Attr] = ch.After
	}
	return op
}

// statusOps returns the lifecycle operations that move cu to the status du
// asks for (want, upper-cased). Only an ACTIVE user is suspended: a user
// activated by this plan may end PROVISIONED (no password), which Okta does
// not suspend, and is suspended by a later run once it is ACTIVE.
func (c *computer) statusOps(du, cu *directory.User, want string) []Operation {
	have := strings.ToUpper(cu.Status)
	op := func(a Action, reason string) Operation {
		o := Operation{Action: a, Login: cu.Login(), UserID: cu.ID, Reason: reason}
		if a == ActivateUser || a == ReactivateUser {
			o.SendEmail = c.pol.SendActivationEmail
		}
		if a == ActivateUser && c.in.Desired.PasswordHash(directory.LoginKey(cu.Login())) != nil {
			// A STAGED user with an imported password needs no email.
			o.SendEmail = false
		}
		return o
	}
	var ops []Operation
	// live brings a DEPROVISIONED or STAGED user to a live status, when
	// allowed; it reports whether the user is live (or will be) after.
	live := func(activateStaged bool) bool {
		switch have {
		case statusDeprovisioned:
			if !c.pol.Reactivate {
				c.warn(warnUser+directory.LoginKey(cu.Login()), "user %q is DEPROVISIONED in Okta and back in the source, but users.reactivate is off; left deactivated", du.Login())
				return false
			}
			ops = append(ops, op(ReactivateUser, "back in source"))
		case statusStaged:
			if !activateStaged {
				return false
			}
			ops = append(ops, op(ActivateUser, "STAGED in Okta"))
		}
		return true
	}
	switch want {
	case "":
		live(c.pol.CreateActive)
		// A leaver oktasync suspended is back. (The status first: most
		// users are not suspended, and the look-up reads the profile.)
		if have == statusSuspended {
			if at, ok := c.in.SuspendedAt[directory.LoginKey(cu.Login())]; ok {
				ops = append(ops, op(UnsuspendUser, fmt.Sprintf("back in source; suspended by oktasync as a leaver at %s", at.UTC().Format(time.RFC3339))))
			}
		}
	case statusActive:
		live(true)
		if have == statusSuspended {
			ops = append(ops, op(UnsuspendUser, "source status ACTIVE"))
		}
	case statusSuspended:
		switch have {
		case statusSuspended:
		case statusActive:
			ops = append(ops, op(SuspendUser, "source status SUSPENDED"))
		case statusStaged, statusDeprovisioned:
			if live(true) {
				c.warn(warnUser+directory.LoginKey(cu.Login()), "user %q is activated now and can be suspended on a later run, once it is ACTIVE", du.Login())
			}
		default:
			c.warn(warnUser+directory.LoginKey(cu.Login()), "user %q: the source asks for SUSPENDED, but Okta suspends only ACTIVE users and this one is %s; left as is", du.Login(), have)
		}
	case statusDeprovisioned:
		if have != statusDeprovisioned {
			ops = append(ops, op(DeactivateUser, "source status DEPROVISIONED"))
		}
	default:
		c.warn(warnUser+directory.LoginKey(cu.Login()), "user %q: unknown source status %q ignored", du.Login(), du.Status)
		live(c.pol.CreateActive)
	}
	return ops
}

// absentUsers plans deactivation and deletion of managed users absent from
// the source. A user whose status Okta is still changing is left for a
// later run.
func (c *computer) absentUsers() {
	for lk, cu := range c.in.Current.Users {
		if _, ok := c.in.Desired.Users[lk]; ok || !c.in.Managed[lk] {
			continue
		}
		if from, to, moving := cu.Transition(); moving {
			if to != statusDeprovisioned && !c.protected[lk] {
				c.warn(warnUser+lk, "user %q is absent from the source and changing status in Okta (%s to %s); it is deactivated on a later run", cu.Login(), from, to)
			}
			continue
		}
		if !strings.EqualFold(cu.Status, statusDeprovisioned) {
			if c.protected[lk] {
				c.warn(warnUser+lk, "user %q is absent from the source but protected; not deactivated", cu.Login())
				continue
			}
			c.leaver(lk, cu)
			continue
		}
		if c.pol.DeleteAfter <= 0 || c.protected[lk] {
			continue
		}
		at, ok := c.in.DeactivatedAt[lk]
		if !ok || at.IsZero() || c.in.Now.Before(at.Add(c.pol.DeleteAfter)) {
			continue
		}
		c.addLeaver(lk, Operation{
			Action: DeleteUser,
			Login:  cu.Login(),
			UserID: cu.ID,
			Reason: fmt.Sprintf("absent from source; deactivated by oktasync at %s, at least users.deleteAfter (%s) ago",
				at.UTC().Format(time.RFC3339), formatDuration(c.pol.DeleteAfter)),
		})
	}
}

// leaver plans what users.leavers asks for a managed user absent from the
// source that is neither DEPROVISIONED nor protected.
func (c *computer) leaver(lk string, cu *directory.User) {
	if c.pol.Leavers != LeaversSuspend {
		if c.pol.Leavers != LeaversReport && c.pol.LeaverGrace > 0 && c.graceLeaver(lk, cu) {
			return
		}
		c.addLeaver(lk, Operation{Action: DeactivateUser, Login: cu.Login(), UserID: cu.ID, Reason: "absent from source"})
		return
	}
	switch strings.ToUpper(cu.Status) {
	case statusActive:
		c.add(lk, Operation{Action: SuspendUser, Login: cu.Login(), UserID: cu.ID, Reason: "absent from source; users.leavers is suspend", Leaver: true})
	case statusSuspended:
	default:
		c.warn(warnUser+lk, "user %q is absent from the source and users.leavers is suspend, but Okta suspends only ACTIVE users and this one is %s; left as is", cu.Login(), cu.Status)
	}
}

// graceLeaver plans a leaver under users.leaverGrace: an ACTIVE one is
// suspended; one oktasync suspended is left so until the grace period has
// passed, then deactivated (by the caller: it reports false). It reports
// whether it planned (or left) the leaver; false leaves the caller to
// deactivate it, as for any other status.
func (c *computer) graceLeaver(lk string, cu *directory.User) bool {
	grace := formatDuration(c.pol.LeaverGrace)
	switch strings.ToUpper(cu.Status) {
	case statusActive:
		c.add(lk, Operation{Action: SuspendUser, Login: cu.Login(), UserID: cu.ID, Leaver: true,
			Reason: fmt.Sprintf("absent from source; deactivated after users.leaverGrace (%s) if still absent", grace)})
		return true
	case statusSuspended:
		at, ok := c.in.SuspendedAt[lk]
		if !ok || at.IsZero() {
			return false // suspended by someone else: a leaver like any other
		}
		if c.in.Now.Before(at.Add(c.pol.LeaverGrace)) {
			return true // within the grace period: stays suspended
		}
		c.addLeaver(lk, Operation{Action: DeactivateUser, Login: cu.Login(), UserID: cu.ID,
			Reason: fmt.Sprintf("absent from source; suspended by oktasync at %s, at least users.leaverGrace (%s) ago",
				at.UTC().Format(time.RFC3339), grace)})
		return true
	}
	return false
}

// addLeaver plans op for a leaver, or under users.leavers report holds it
// back.
func (c *computer) addLeaver(lk string, op Operation) {
	if c.pol.Leavers == LeaversReport {
		c.hold(RuleLeavers, lk, op)
		return
	}
	c.add(lk, op)
}
