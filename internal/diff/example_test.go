package diff_test

import (
	"fmt"
	"os"
	"time"

	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/directory"
)

func ExampleCompute() {
	desired, current := directory.New(), directory.New()
	_ = desired.AddUser(&directory.User{Profile: directory.Profile{
		"login": "jdoe@example.com", "email": "jdoe@example.com",
		"firstName": "Jane", "lastName": "Doe", "department": "Marketing",
	}.Pack()})
	desired.EnsureGroup("Engineering", "users.csv line 2")
	desired.AddMember("Engineering", "jdoe@example.com")

	_ = current.AddUser(&directory.User{ID: "00u1", Status: "ACTIVE", Profile: directory.Profile{
		"login": "jdoe@example.com", "email": "jdoe@example.com",
		"firstName": "Jane", "lastName": "Doe", "department": "Sales",
	}.Pack()})
	_ = current.AddUser(&directory.User{ID: "00u2", Status: "ACTIVE", Profile: directory.Profile{
		"login": "left@example.com",
	}.Pack()})

	plan, err := diff.Compute(diff.Input{
		Desired: desired,
		Current: current,
		Managed: map[string]bool{"jdoe@example.com": true, "left@example.com": true},
		Now:     time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC),
		Policy:  diff.DefaultPolicy(),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = diff.RenderText(os.Stdout, plan, diff.RenderOptions{})
	// Output:
	// + create group "Engineering"
	// ~ update user jdoe@example.com
	//     department: "Sales" → "Marketing"
	// + add jdoe@example.com to "Engineering"
	// - deactivate user left@example.com (absent from source)
	//
	// Plan: users 0 to create, 1 to update, 1 to deactivate; groups 1 to create; memberships 1 to add, 0 to remove.
}

func ExampleParseLimit() {
	l, err := diff.ParseLimit("10% or 5")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(l.Allowed(20), l.Allowed(200))
	// Output: 5 20
}
