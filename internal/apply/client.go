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

func (a oktaAPI) CreateUser(ctx context.Context, profile directory.Profile, password string, hash *directory.PasswordHash, activate bool, groupIDs []string) (string, error) {
	req := okta.CreateUserRequest{Profile: profile, Password: password, GroupIDs: groupIDs}
	if hash != nil {
		req.PasswordHash = &okta.PasswordHash{
			Algorithm: hash.Algorithm, Value: hash.Value, Salt: hash.Salt, SaltOrder: hash.SaltOrder,
			WorkFactor: hash.WorkFactor, IterationCount: hash.IterationCount, KeySize: hash.KeySize,
			DigestAlgorithm: hash.DigestAlgorithm,
		}
	}
	u, _, err := a.c.Users.Create(ctx, req, activate)
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

func (a oktaAPI) CreateGroup(ctx context.Context, name, description string, attrs directory.Profile) (string, error) {
	g, _, err := a.c.Groups.Create(ctx, okta.GroupProfile{Name: name, Description: description, Attrs: attrs})
	if err != nil {
		return "", err
	}
	return g.ID, nil
}

func (a oktaAPI) UpdateGroup(ctx context.Context, id, name, description string, attrs directory.Profile) error {
	g, _, err := a.c.Groups.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("read the group's profile to keep what oktasync does not manage: %w", err)
	}
	p := mergeGroupProfile(g.Profile, name, description, attrs)
	_, _, err = a.c.Groups.Update(ctx, id, p)
	return err
}

// mergeGroupProfile returns cur with the name, the description (unless
// "") and the given attributes set (a nil value removes one).
func mergeGroupProfile(cur okta.GroupProfile, name, description string, attrs directory.Profile) okta.GroupProfile {
	p := okta.GroupProfile{Name: name, Description: cur.Description, Attrs: make(map[string]any, len(cur.Attrs)+len(attrs))}
	if description != "" {
		p.Description = description
	}
	for k, v := range cur.Attrs {
		p.Attrs[k] = v
	}
	for k, v := range attrs {
		if v == nil {
			delete(p.Attrs, k)
		} else {
			p.Attrs[k] = v
		}
	}
	return p
}

func (a oktaAPI) DeleteGroup(ctx context.Context, id string) error {
	_, err := a.c.Groups.Delete(ctx, id)
	return err
}

func (a oktaAPI) AddMember(ctx context.Context, groupID, userID string) error {
	_, err := a.c.Groups.AddMember(ctx, groupID, userID)
	return err
}

func (a oktaAPI) SetManager(ctx context.Context, userID, rel, managerID string) error {
	_, err := a.c.Users.SetLinkedObject(ctx, userID, rel, managerID)
	return err
}

func (a oktaAPI) ClearManager(ctx context.Context, userID, rel string) error {
	_, err := a.c.Users.DeleteLinkedObject(ctx, userID, rel)
	return err
}

func (a oktaAPI) AssignApp(ctx context.Context, appID, kind, targetID string, priority *int, profile map[string]any) error {
	if kind == AppKindGroup {
		_, _, err := a.c.Apps.AssignGroup(ctx, appID, targetID, okta.AppGroupAssignment{Priority: priority, Profile: profile})
		return err
	}
	_, _, err := a.c.Apps.AssignUser(ctx, appID, targetID, profile)
	return userError(err)
}

func (a oktaAPI) UnassignApp(ctx context.Context, appID, kind, targetID string) error {
	var err error
	if kind == AppKindGroup {
		_, err = a.c.Apps.UnassignGroup(ctx, appID, targetID)
	} else {
		_, err = a.c.Apps.UnassignUser(ctx, appID, targetID)
	}
	return err
}

func (a oktaAPI) RemoveMember(ctx context.Context, groupID, userID string) error {
	_, err := a.c.Groups.RemoveMember(ctx, groupID, userID)
	return err
}
