package source

import (
	"context"
	"testing"

	"github.com/oktasync/oktasync/internal/config"
)

// TestExampleUsersCSV reads examples/users.csv, which the demo syncs.
func TestExampleUsersCSV(t *testing.T) {
	t.Parallel()
	d, err := NewCSV(config.CSVSource{Users: "../../examples/users.csv"}).Read(context.Background())
	if err != nil {
		t.Fatalf("read examples/users.csv: %v", err)
	}
	if n := len(d.Users); n != 25 {
		t.Errorf("%d users, want 25", n)
	}
	if n := len(d.Groups); n < 4 || n > 5 {
		t.Errorf("%d groups, want 4 or 5", n)
	}
	for k, u := range d.Users {
		if u.Profile.Value("userType") != "Employee" {
			t.Errorf("user %s: userType = %v, want Employee (the example scope)", k, u.Profile.Value("userType"))
		}
	}
}
