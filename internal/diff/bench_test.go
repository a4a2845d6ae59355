package diff

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/oktasync/oktasync/internal/directory"
)

// benchInput builds n users with 10 profile attributes each, in 100
// groups, with 1% of users drifted, 0.5% new and 0.5% gone.
func benchInput(n int) Input {
	desired, current := directory.New(), directory.New()
	in := Input{
		Desired:     desired,
		Current:     current,
		MembersRead: map[string]bool{},
		Managed:     make(map[string]bool, n),
		Now:         now,
		Policy:      DefaultPolicy(),
	}
	in.Policy.Safety.MaxDeactivations = Limit{Count: -1}
	in.Policy.Safety.MaxMembershipRemovals = Limit{Count: -1}
	const groups = 100
	for g := range groups {
		name := fmt.Sprintf("Group %02d", g)
		desired.EnsureGroup(name, "bench")
		if err := current.AddGroup(&directory.Group{ID: "00g" + strconv.Itoa(g), Name: name, Type: "OKTA_GROUP"}); err != nil {
			panic(err)
		}
		in.MembersRead[directory.GroupKey(name)] = true
	}
	for i := range n {
		login := fmt.Sprintf("user%07d@example.com", i)
		p := directory.Profile{
			"login":          login,
			"email":          login,
			"firstName":      "First" + strconv.Itoa(i%1000),
			"lastName":       "Last" + strconv.Itoa(i%997),
			"department":     "Dept" + strconv.Itoa(i%50),
			"title":          "Title" + strconv.Itoa(i%30),
			"employeeNumber": int64(i),
			"costCenter":     float64(i % 400),
			"manager":        fmt.Sprintf("user%07d@example.com", i/10),
			"tags":           []string{"t" + strconv.Itoa(i%7), "t" + strconv.Itoa(i%11)},
		}
		group := fmt.Sprintf("Group %02d", i%groups)
		if i%200 != 0 { // 0.5% are new
			cp := make(directory.Profile, len(p))
			for k, v := range p {
				cp[k] = v
			}
			if i%100 == 1 { // 1% drifted
				cp["department"] = "Elsewhere"
			}
			current.Users[directory.LoginKey(login)] = &directory.User{ID: fmt.Sprintf("00u%07d", i), Status: "ACTIVE", Profile: cp.Pack()}
			in.Managed[directory.LoginKey(login)] = true
			current.AddMember(group, login)
		}
		if i%200 != 3 { // 0.5% are gone
			desired.Users[directory.LoginKey(login)] = &directory.User{Profile: p.Pack()}
			desired.AddMember(group, login)
		}
	}
	return in
}

func BenchmarkCompute1M(b *testing.B) {
	in := benchInput(1_000_000)
	b.ReportAllocs()
	b.ResetTimer()
	var p *Plan
	for b.Loop() {
		var err error
		p, err = Compute(in)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(p.Operations)), "ops/plan")
}
