package apply

import (
	"context"
	"strings"
	"testing"

	"github.com/oktasync/oktasync/internal/directory"
)

// A create the plan says imports a password hash is never sent without
// it: Okta would create the user without a password and, activated, email
// it.
func TestCreateWithoutPromisedHashFails(t *testing.T) {
	t.Parallel()
	ev := &events{}
	api, cp := newFakeOkta(ev), newFakeCheckpoints(ev)
	op := createUser("h@example.com")
	op.ImportedPassword = true
	res, err := Execute(context.Background(), numbered(op), api, cp, testOptions())
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	if res.Failed != 1 || res.Outcomes[0].Err == nil || !strings.Contains(res.Outcomes[0].Err.Error(), "imports this user's password hash") {
		t.Errorf("outcomes %+v, want the create failed", res.Outcomes)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if _, created := api.logins["h@example.com"]; created {
		t.Error("the user was created without its password hash")
	}
}

// An error of a create that carries a hash never holds the hash.
func TestCreateErrorHidesHash(t *testing.T) {
	t.Parallel()
	ev := &events{}
	api, cp := newFakeOkta(ev), newFakeCheckpoints(ev)
	const value, salt = "hashValueThatMustNotLeak0123456", "saltThatMustNotLeak012"
	api.fail["CreateUser h@example.com"] = errorString("refused: " + value + " / " + salt)
	op := createUser("h@example.com")
	op.ImportedPassword = true
	op.PasswordHash = &directory.PasswordHash{Algorithm: "BCRYPT", Value: value, Salt: salt, WorkFactor: 10}
	res, err := Execute(context.Background(), numbered(op), api, cp, testOptions())
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	if res.Failed != 1 {
		t.Fatalf("outcomes %+v", res.Outcomes)
	}
	if msg := res.Outcomes[0].Err.Error(); strings.Contains(msg, value) || strings.Contains(msg, salt) {
		t.Errorf("the error holds the hash: %s", msg)
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }
