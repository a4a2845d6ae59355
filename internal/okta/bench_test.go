package okta

import (
	"context"
	"fmt"
	"testing"

	"github.com/oktasync/oktasync/internal/oktasim"
)

// BenchmarkUsersList lists 2,000 users from the simulator in pages of 200.
func BenchmarkUsersList(b *testing.B) {
	sim, err := oktasim.New(oktasim.Options{Tokens: []string{simToken}, RateLimit: oktasim.RateLimitOptions{Disabled: true}})
	if err != nil {
		b.Fatal(err)
	}
	var seed oktasim.Seed
	for i := range 2000 {
		login := fmt.Sprintf("bench%05d@example.com", i)
		seed.Users = append(seed.Users, oktasim.SeedUser{Profile: map[string]any{"login": login, "email": login, "firstName": "B", "lastName": "N"}})
	}
	if err := sim.Seed(seed); err != nil {
		b.Fatal(err)
	}
	c := benchClient(b, sim)
	b.ResetTimer()
	for b.Loop() {
		n := 0
		for _, err := range c.Users.List(context.Background(), &UserListOptions{Limit: 200}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 2000 {
			b.Fatalf("listed %d", n)
		}
	}
	b.ReportMetric(float64(c.Stats().Requests)/float64(b.N), "requests/op")
}

// BenchmarkPacedGets measures the cost per call (pacing, accounting,
// decoding, and the simulator's own work) with 4 callers, under a bucket
// limit so high that pacing never waits. (Under the default limits the
// client holds back after 2,000 calls a minute, as it should.)
func BenchmarkPacedGets(b *testing.B) {
	sim, err := oktasim.New(oktasim.Options{Tokens: []string{simToken}, RateLimit: oktasim.RateLimitOptions{
		Limits: map[string]int{"user": 1 << 30}}})
	if err != nil {
		b.Fatal(err)
	}
	if err := sim.Seed(oktasim.Seed{Users: []oktasim.SeedUser{{Profile: map[string]any{"login": "b@example.com", "email": "b@example.com", "firstName": "B", "lastName": "N"}}}}); err != nil {
		b.Fatal(err)
	}
	c := benchClient(b, sim)
	b.SetParallelism(2)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := c.Users.Get(context.Background(), "b@example.com"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
