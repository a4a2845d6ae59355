package apply

import (
	"context"
	"fmt"

	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/okta"
)

// Client adapts an *okta.Client to Okta, the calls apply makes. A create of
// an existing login is reported as ErrConflict.
func Client(c *okta.Client) Okta { return oktaAPI{c} }

// oktaAPI is the adapter Client returns.
type oktaAPI struct{ c *okta.Client }

var _ Okta = oktaAPI{}

func (a oktaAPI) CreateUser(ctx context.Context, profile directory.Profile, password string, activate bool, groupIDs []string) (string, error) {
	u, _, err := a.c.Users.Create(ctx, okta.CreateUserRequest{Profile: profile, Password: password, GroupIDs: groupIDs}, activate)
	if okta.IsAlreadyExists(err) {
		return "", fmt.Errorf("%w: %w", ErrConflict, err)
	}
	if err != nil {
		return "", err
	}
	return u.ID, nil
}

func (a oktaAPI) UpdateUser(ctx context.Context, id string, profile directory.Profile) error {
	_, _, err := a.c.Users.Update(ctx, id, profile)
	return userError(err)
}

// userError marks Okta's refusals of a user call that apply treats apart:
// a mastered profile (ErrMastered) and a status change in flight
// (ErrPending).
func userError(err error) error {
	switch {
	case okta.IsProfileMastered(err):
		return fmt.Errorf("%w: %w", ErrMastered, err)
	case okta.IsLifecycleInProgress(err):
		return fmt.Errorf("%w: %w", ErrPending, err)
	}
	return err
}

func (a oktaAPI) Lifecycle(ctx context.Context, id, op string, sendEmail bool) error {
	var err error
	switch op {
	case "activate":
		_, err = a.c.Users.Activate(ctx, id, sendEmail)
	case "deactivate":
		_, err = a.c.Users.Deactivate(ctx, id)
	case "reactivate":
		_, err = a.c.Users.Reactivate(ctx, id)
	case "suspend":
		_, err = a.c.Users.Suspend(ctx, id)
	case "unsuspend":
		_, err = a.c.Users.Unsuspend(ctx, id)
	default:
		return &unknownLifecycleError{op: op}
	}
	return userError(err)
}

type unknownLifecycleError struct{ op string }

func (e *unknownLifecycleError) Error() string { return "unknown lifecycle operation " + e.op }

func (a oktaAPI) DeleteUser(ctx context.Context, id string) error {
	_, err := a.c.Users.Delete(ctx, id)
	return userError(err)
}

func (a oktaAPI) CreateGroup(ctx context.Context, name, description string) (string, error) {
	g, _, err := a.c.Groups.Create(ctx, okta.GroupProfile{Name: name, Description: description})
	if err != nil {
		return "", err
	}
	return g.ID, nil
}

func (a oktaAPI) UpdateGroup(ctx context.Context, id, name, description string) error {
	_, _, err := a.c.Groups.Update(ctx, id, okta.GroupProfile{Name: name, Description: description})
	return err
}

func (a oktaAPI) DeleteGroup(ctx context.Context, id string) error {
	_, err := a.c.Groups.Delete(ctx, id)
	return err
}

func (a oktaAPI) AddMember(ctx context.Context, groupID, userID string) error {
	_, err := a.c.Groups.AddMember(ctx, groupID, userID)
	return err
}

func (a oktaAPI) RemoveMember(ctx context.Context, groupID, userID string) error {
	_, err := a.c.Groups.RemoveMember(ctx, groupID, userID)
	return err
}
