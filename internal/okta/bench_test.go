package okta

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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

// benchPages renders pages of users as the simulator serves them: 200
// users a page (members: 1000), with the seven profile attributes of the
// bench harness's datasets.
func benchPages(b *testing.B, path string, n int) [][]byte {
	b.Helper()
	sim, err := oktasim.New(oktasim.Options{Tokens: []string{simToken}, RateLimit: oktasim.RateLimitOptions{Disabled: true}, MaxPageSize: 1000})
	if err != nil {
		b.Fatal(err)
	}
	seed := oktasim.Seed{Groups: []oktasim.SeedGroup{{Name: "Group 0001"}}}
	for i := range n {
		login := fmt.Sprintf("user%07d@example.com", i)
		seed.Users = append(seed.Users, oktasim.SeedUser{Profile: map[string]any{
			"login": login, "email": login, "firstName": fmt.Sprintf("First%d", i), "lastName": "Last",
			"department": "Department 12", "title": "Title 3", "userType": "Employee",
		}, Groups: []string{"Group 0001"}})
	}
	if err := sim.Seed(seed); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	b.Cleanup(srv.Close)
	if strings.Contains(path, "{group}") {
		var gid string
		for _, g := range sim.Snapshot().Groups {
			if g.Name == "Group 0001" {
				gid = g.ID
			}
		}
		path = strings.ReplaceAll(path, "{group}", gid)
	}
	var pages [][]byte
	next := srv.URL + path
	for next != "" {
		req, _ := http.NewRequest(http.MethodGet, next, nil)
		req.Header.Set("Authorization", "SSWS "+simToken)
		resp, err := srv.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %d %v", next, resp.StatusCode, err)
		}
		pages = append(pages, body)
		next = ""
		for _, l := range resp.Header.Values("Link") {
			if u, ok := strings.CutSuffix(l, `>; rel="next"`); ok {
				next = strings.TrimPrefix(u, "<")
			}
		}
	}
	return pages
}

// BenchmarkDecodeUserPages decodes 5 pages of 200 users (1,000 users an
// op) into []*BasicUser as ListBasic does (by-hand), with encoding/json
// for comparison, and borrowed (four attributes kept) as
// ListBasicBorrowed does. A full read of 1M users is 1,000 ops.
func BenchmarkDecodeUserPages(b *testing.B) {
	pages := benchPages(b, "/api/v1/users?limit=200", 1000)
	views := newUserViews([]string{"login", "email", "firstName", "lastName"})
	benchDecode(b, pages, func(p []byte) (int, error) {
		var users []*BasicUser
		err := decodeBody(p, &users)
		return len(users), err
	}, func(p []byte) (int, error) {
		var users []*BasicUser
		err := json.Unmarshal(p, &users)
		return len(users), err
	}, func(p []byte) (int, error) {
		var users []*BasicUser
		err := views.decode(p, &users)
		return len(users), err
	})
}

// BenchmarkDecodeMemberPages decodes one page of 1,000 members (full user
// objects) into []*Member as ListMemberRefs does, with encoding/json, and
// borrowed as MemberPages does.
// A 1M-user org with 3 groups a user is about 3,000 ops.
func BenchmarkDecodeMemberPages(b *testing.B) {
	pages := benchPages(b, "/api/v1/groups/{group}/users?limit=1000", 1000)
	decode := memberRefDecoder(new([]MemberRef))
	benchDecode(b, pages, func(p []byte) (int, error) {
		var members []*Member
		err := decodeBody(p, &members)
		return len(members), err
	}, func(p []byte) (int, error) {
		var members []*Member
		err := json.Unmarshal(p, &members)
		return len(members), err
	}, func(p []byte) (int, error) {
		var refs []MemberRef
		err := decode(p, &refs)
		return len(refs), err
	})
}

// benchDecode runs the by-hand decoder, encoding/json, and the borrowed
// decoder (as Groups.MemberPages and Users.ListBasicBorrowed read pages,
// into what the page before left).
func benchDecode(b *testing.B, pages [][]byte, byHand, stdlib, borrowed func([]byte) (int, error)) {
	for _, bc := range []struct {
		name   string
		decode func([]byte) (int, error)
	}{{"by-hand", byHand}, {"encoding-json", stdlib}, {"borrowed", borrowed}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bytes.Join(pages, nil))))
			b.ReportAllocs()
			for b.Loop() {
				n := 0
				for _, p := range pages {
					k, err := bc.decode(p)
					if err != nil {
						b.Fatal(err)
					}
					n += k
				}
				if n != 1000 {
					b.Fatalf("decoded %d objects, want 1000", n)
				}
			}
		})
	}
}
