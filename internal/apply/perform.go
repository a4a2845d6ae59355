package apply

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/redact"
	"github.com/oktasync/oktasync/internal/state"
)

// lifecycleOps maps the lifecycle actions to Okta's lifecycle operations.
// Reactivating a DEPROVISIONED user is Okta's "activate" ("reactivate" is
// for users still PROVISIONED).
var lifecycleOps = map[diff.Action]string{
	diff.ActivateUser:   "activate",
	diff.ReactivateUser: "activate",
	diff.SuspendUser:    "suspend",
	diff.UnsuspendUser:  "unsuspend",
	diff.DeactivateUser: "deactivate",
}

// errNoUserID and errNoGroupID report an operation on an object that has no
// Okta id in the plan and is not created by it.
var (
	errNoUserID  = errors.New("no Okta id for the user, and the plan does not create it")
	errNoGroupID = errors.New("no Okta id for the group, and the plan does not create it")
	errNoHash    = errors.New("the plan imports this user's password hash, but the source gives none now; make a new plan")
	// errNoManagerID reports a SetManager whose manager has no id.
	errNoManagerID = errors.New("no Okta id for the manager, and the plan does not create it")
)

// perform carries out one operation on a worker goroutine: its ownership
// checkpoints and its Okta call. Calls use callCtx, checkpoints cpCtx.
func (e *executor) perform(callCtx, cpCtx context.Context, t task) result {
	r := e.call(callCtx, cpCtx, t)
	r.idx = t.idx
	secrets := []string{t.op.Password}
	if h := t.op.PasswordHash; h != nil {
		secrets = append(secrets, h.Value, h.Salt)
	}
	if r.err != nil {
		r.err = redact.Error(fmt.Errorf("%s %s: %w", t.op.Action, target(t.op), r.err), secrets...)
	}
	if r.cpErr != nil {
		r.cpErr = redact.Error(r.cpErr, secrets...)
	}
	return r
}

// call carries out t's operation: its Okta call and the checkpoints that go
// with it.
func (e *executor) call(ctx, cpCtx context.Context, t task) result {
	op := t.op
	switch op.Action {
	case diff.CreateUser:
		return e.createUser(ctx, cpCtx, op, t.groupIDs)
	case diff.UpdateUser:
		if err := t.needUser(); err != nil {
			return result{err: err}
		}
		err := e.untilSettled(func() error { return e.api.UpdateUser(ctx, t.userID, op.Profile) })
		return result{oktaID: t.userID, err: err}
	case diff.ActivateUser, diff.ReactivateUser, diff.SuspendUser, diff.UnsuspendUser, diff.DeactivateUser:
		return e.lifecycle(ctx, cpCtx, t)
	case diff.DeleteUser:
		return e.deleteUser(ctx, cpCtx, t)
	case diff.CreateGroup:
		id, err := e.api.CreateGroup(ctx, op.Group, op.Description, op.Attributes)
		return result{oktaID: id, err: err}
	case diff.UpdateGroup, diff.DeleteGroup:
		if err := t.needGroup(); err != nil {
			return result{err: err}
		}
		if op.Action == diff.UpdateGroup {
			return result{oktaID: t.groupID, err: e.api.UpdateGroup(ctx, t.groupID, op.Group, op.Description, op.Attributes)}
		}
		return result{oktaID: t.groupID, err: e.api.DeleteGroup(ctx, t.groupID)}
	case diff.SetManager, diff.ClearManager:
		return e.manager(ctx, cpCtx, t)
	case diff.AddMember, diff.RemoveMember:
		if err := t.needUser(); err != nil {
			return result{err: err}
		}
		if err := t.needGroup(); err != nil {
			return result{err: err}
		}
		if op.Action == diff.AddMember {
			return result{oktaID: t.groupID, err: e.api.AddMember(ctx, t.groupID, t.userID)}
		}
		return result{oktaID: t.groupID, err: e.api.RemoveMember(ctx, t.groupID, t.userID)}
	}
	if r, ok := e.appCall(ctx, t); ok {
		return r
	}
	return result{err: fmt.Errorf("unknown action %d", int(op.Action))}
}

// manager sets or clears t's user's manager and records the link.
func (e *executor) manager(ctx, cpCtx context.Context, t task) result {
	if err := t.needUser(); err != nil {
		return result{err: err}
	}
	var err error
	if t.op.Action == diff.SetManager {
		if t.managerID == "" {
			return result{err: errNoManagerID}
		}
		err = e.api.SetManager(ctx, t.userID, t.op.Link, t.managerID)
	} else {
		err = e.api.ClearManager(ctx, t.userID, t.op.Link)
	}
	if err != nil {
		return result{oktaID: t.userID, err: err}
	}
	r := result{oktaID: t.userID}
	if lr, ok := e.cp.(LinkRecorder); ok {
		link := []state.ManagerLink{{UserID: t.userID, ManagerID: t.managerID}}
		if err := lr.RecordManagerLinks(cpCtx, e.opts.Org, link); err != nil {
			r.cpErr = fmt.Errorf("record the manager link of %s: %w", t.op.Login, err)
		}
	}
	return r
}

// The kinds of app assignment, as AssignApp and UnassignApp take them.
const (
	AppKindGroup = "group"
	AppKindUser  = "user"
)

// appCall carries out t's app assignment, if it is one; its outcome's
// Okta id is the group's or the user's.
func (e *executor) appCall(ctx context.Context, t task) (result, bool) {
	op := t.op
	kind, id, need := AppKindGroup, t.groupID, t.needGroup
	switch op.Action {
	case diff.AssignAppUser, diff.UnassignAppUser:
		kind, id, need = AppKindUser, t.userID, t.needUser
	case diff.AssignAppGroup, diff.UnassignAppGroup:
	default:
		return result{}, false
	}
	if err := need(); err != nil {
		return result{err: err}, true
	}
	if op.Action == diff.AssignAppGroup || op.Action == diff.AssignAppUser {
		// A user just reactivated may still be activating (ErrPending).
		err := e.untilSettled(func() error { return e.api.AssignApp(ctx, op.AppID, kind, id, op.Priority, op.Profile) })
		return result{oktaID: id, err: err}, true
	}
	return result{oktaID: id, err: e.api.UnassignApp(ctx, op.AppID, kind, id)}, true
}

// needUser reports errNoUserID when t has no user id.
func (t task) needUser() error {
	if t.userID == "" {
		return errNoUserID
	}
	return nil
}

// needGroup reports errNoGroupID when t has no group id.
func (t task) needGroup() error {
	if t.groupID == "" {
		return errNoGroupID
	}
	return nil
}

// createUser records the intent to own op's user, creates it in the groups
// groupIDs, and records its id. A create refused because the login exists
// withdraws the intent: the user is not oktasync's.
func (e *executor) createUser(ctx, cpCtx context.Context, op *diff.Operation, groupIDs []string) result {
	if op.ImportedPassword && op.PasswordHash == nil {
		// Never create, without its password, a user the plan said would
		// have one: activated, Okta would email it instead.
		return result{err: errNoHash}
	}
	org, now := e.opts.Org, e.opts.Now()
	intent := []state.OwnedUser{{Login: op.Login, CreatedAt: now}}
	if err := e.cp.AddOwned(cpCtx, org, intent); err != nil {
		return result{
			skip:  "not sent: the ownership of the user could not be recorded",
			cpErr: fmt.Errorf("record ownership of %s before creating it: %w", op.Login, err),
		}
	}
	id, err := e.api.CreateUser(ctx, op.Profile, op.Password, op.PasswordHash, op.Activate, groupIDs)
	if err != nil {
		r := result{err: err}
		if IsConflict(err) {
			// The login belongs to a user oktasync did not create.
			if rerr := e.cp.RemoveOwned(cpCtx, org, op.Login); rerr != nil {
				r.cpErr = fmt.Errorf("withdraw ownership of %s after its create conflicted: %w", op.Login, rerr)
			}
		}
		return r
	}
	r := result{oktaID: id}
	owned := []state.OwnedUser{{Login: op.Login, OktaID: id, CreatedAt: now}}
	if err := e.cp.AddOwned(cpCtx, org, owned); err != nil {
		r.cpErr = fmt.Errorf("record ownership of %s (%s) after creating it: %w", op.Login, id, err)
	}
	return r
}

// lifecycle runs t's lifecycle operation and records when oktasync
// deactivated the user (or clears it on reactivation), for deleteAfter.
func (e *executor) lifecycle(ctx, cpCtx context.Context, t task) result {
	op := t.op
	if err := t.needUser(); err != nil {
		return result{err: err}
	}
	lop := lifecycleOps[op.Action]
	err := e.untilSettled(func() error { return e.api.Lifecycle(ctx, t.userID, lop, lop == "activate" && op.SendEmail) })
	if err != nil {
		return result{oktaID: t.userID, err: err}
	}
	r := result{oktaID: t.userID}
	switch op.Action {
	case diff.DeactivateUser:
		if err := e.cp.MarkDeactivated(cpCtx, e.opts.Org, op.Login, e.opts.Now()); err != nil {
			r.cpErr = fmt.Errorf("record the deactivation of %s: %w", op.Login, err)
		}
	case diff.ReactivateUser:
		if err := e.cp.MarkDeactivated(cpCtx, e.opts.Org, op.Login, time.Time{}); err != nil {
			r.cpErr = fmt.Errorf("record the reactivation of %s: %w", op.Login, err)
		}
	}
	return r
}

// deleteUser deletes t's user and forgets that oktasync owned it.
func (e *executor) deleteUser(ctx, cpCtx context.Context, t task) result {
	if err := t.needUser(); err != nil {
		return result{err: err}
	}
	if err := e.untilSettled(func() error { return e.api.DeleteUser(ctx, t.userID) }); err != nil {
		return result{oktaID: t.userID, err: err}
	}
	r := result{oktaID: t.userID}
	if err := e.cp.RemoveOwned(cpCtx, e.opts.Org, t.op.Login); err != nil {
		r.cpErr = fmt.Errorf("forget the ownership of deleted user %s: %w", t.op.Login, err)
	}
	return r
}

// The waits between tries of a call refused because the user's status is
// still changing: the first, doubling up to the cap.
const (
	pendingFirstWait = 5 * time.Second
	pendingMaxWait   = 40 * time.Second
)

// untilSettled makes call, and makes it again while Okta refuses it because
// the user's status is still changing (ErrPending), waiting between tries,
// for as long as Options.PendingWait allows from the first try and the run
// is not cancelled. It returns the last try's error.
func (e *executor) untilSettled(call func() error) error {
	deadline := e.opts.Now().Add(e.opts.PendingWait)
	wait := pendingFirstWait
	for {
		err := call()
		if !errors.Is(err, ErrPending) || e.opts.Now().Add(wait).After(deadline) {
			return err
		}
		if e.opts.Sleep(e.runCtx, wait) != nil {
			return err
		}
		wait = min(2*wait, pendingMaxWait)
	}
}

// sleep waits for d or until ctx is done; Options.Sleep's default.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
