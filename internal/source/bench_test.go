package source

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/oktasync/oktasync/internal/config"
)

// BenchmarkReadUsersCSV reads, through NewCSV, a users file of 10,000 rows in 20 groups.
func BenchmarkReadUsersCSV(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(header + ",department,title,employeeNumber,groups\n")
	for i := range 10000 {
		fmt.Fprintf(&sb, "%s,Dept %d,\"Engineer, level %d\",E%06d,Group %d;Group %d\n", row(i), i%7, i%5, i, i%20, (i+3)%20)
	}
	benchReadCSV(b, sb.String(), 10000)
}

// BenchmarkReadPostgres reads the examples/postgres database seeded with
// 5,000 employees (4,800 current).
func BenchmarkReadPostgres(b *testing.B) {
	var script []byte
	for _, f := range []string{"../../examples/postgres/schema.sql", "../../examples/postgres/seed.sql"} {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		script = append(append(script, data...), '\n')
	}
	u := pgSchema(b, string(script)+"\nSELECT seed_employees(5000);")
	b.Setenv("OKTA_CLIENT_TOKEN", "t")
	b.Setenv("OKTASYNC_SOURCE_POSTGRES_URL", u)
	cfg, err := config.Load("../../examples/postgres/oktasync.yaml")
	if err != nil {
		b.Fatal(err)
	}
	src := NewPostgres(*cfg.Source.Postgres)
	b.ReportAllocs()
	for b.Loop() {
		d, err := src.Read(context.Background())
		if err != nil || len(d.Users) != 4800 {
			b.Fatalf("read: %v", err)
		}
	}
}

// BenchmarkReadUsersCSV100k reads, through NewCSV, a users file of 100,000
// rows shaped like the bench's plan1m source (seven attributes, three of
// 100 groups each); allocated bytes per op ÷ 100,000 is the cost of a row.
func BenchmarkReadUsersCSV100k(b *testing.B) {
	const n = 100000
	var sb strings.Builder
	sb.WriteString(header + ",department,title,userType,groups\n")
	for i := range n {
		fmt.Fprintf(&sb, "user%07d@example.com,user%07d@example.com,First%d,Last%d,Department %02d,Title %03d,Employee,Group %03d;Group %03d;Group %03d\n",
			i, i, i, i%9973, i%40, i%300, i%100, (i+33)%100, (i+66)%100)
	}
	benchReadCSV(b, sb.String(), n)
}

// benchReadCSV reads the users file data, of n users, through NewCSV once
// an op.
func benchReadCSV(b *testing.B, data string, n int) {
	src := NewCSV(config.CSVSource{Users: usersFile(b, data)})
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		d, err := src.Read(context.Background())
		if err != nil || len(d.Users) != n {
			b.Fatalf("read: %v", err)
		}
	}
}
