package source

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/oktasync/oktasync/internal/config"
)

// TestExamplePostgres loads examples/postgres (schema, seed and config)
// into a schema of its own and reads it as the example configures.
func TestExamplePostgres(t *testing.T) {
	var script []byte
	for _, f := range []string{"../../examples/postgres/schema.sql", "../../examples/postgres/seed.sql"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		script = append(append(script, b...), '\n')
	}
	u := pgSchema(t, string(script))

	t.Setenv("OKTA_CLIENT_TOKEN", "test-token")
	t.Setenv("OKTASYNC_SOURCE_POSTGRES_URL", u)
	t.Setenv("OKTASYNC_STATE_URL", "sqlite://"+t.TempDir()+"/state.db")
	cfg, err := config.Load("../../examples/postgres/oktasync.yaml")
	if err != nil {
		t.Fatalf("load examples/postgres/oktasync.yaml: %v", err)
	}
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		employees, users, groups, managers int
	}{
		{50, 48, 7, 4}, // managers: every 10th, less those who left (every 50th)
		{500, 480, 7, 40},
	}
	for _, tt := range tests {
		conn, err := pgx.Connect(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		_, err = conn.Exec(context.Background(), "SELECT seed_employees($1)", tt.employees)
		conn.Close(context.Background())
		if err != nil {
			t.Fatalf("seed %d employees: %v", tt.employees, err)
		}
		d, err := src.Read(context.Background())
		if err != nil {
			t.Fatalf("read %d employees: %v", tt.employees, err)
		}
		if len(d.Users) != tt.users || len(d.Groups) != tt.groups || len(d.MemberKeys("Managers")) != tt.managers {
			t.Errorf("%d employees: %d users, %d groups, %d managers; want %d, %d, %d", tt.employees,
				len(d.Users), len(d.Groups), len(d.MemberKeys("Managers")), tt.users, tt.groups, tt.managers)
		}
		for _, u := range d.Users {
			p := u.Profile.Map()
			if _, custom := p["hireDate"]; p["userType"] != "Employee" || p["department"] == nil || custom {
				t.Errorf("user %s: profile %v", u.Login(), p)
				break
			}
		}
		if g := d.Groups["engineering"]; g == nil || !g.HasDescription {
			t.Errorf("group Engineering = %+v", g)
		}
	}
}
