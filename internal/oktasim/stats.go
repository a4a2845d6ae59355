package oktasim

import (
	"maps"
	"sync"
)

// Stats counts what the simulated org has been asked since it started or
// since its counters were last reset.
type Stats struct {
	// Requests counts API requests (everything but /sim/).
	Requests int `json:"requests"`
	// Writes counts API requests whose method is not GET.
	Writes int `json:"writes"`
	// ByRoute counts answers by route and status, such as
	// "POST /api/v1/users" -> 200 -> n. Routes are templates whose path
	// parameters read {id} (and {userId} for a member); a path the org
	// does not serve counts as "METHOD (unmatched)". A dropped connection
	// counts under status 0.
	ByRoute map[string]map[int]int `json:"byRoute"`
	// ByBucket counts requests by rate-limit bucket.
	ByBucket map[string]int `json:"byBucket"`
	// RateLimited counts 429 answers for a spent bucket or share.
	RateLimited int `json:"rateLimited"`
	// ConcurrencyLimited counts 429 answers for too many requests in flight.
	ConcurrencyLimited int `json:"concurrencyLimited"`
	// FaultsInjected counts injected 500s and dropped connections.
	FaultsInjected int `json:"faultsInjected"`
	// UsersCreated counts users created through the API.
	UsersCreated int `json:"usersCreated"`
	// DuplicateCreateAttempts counts creates refused because the login
	// already existed.
	DuplicateCreateAttempts int `json:"duplicateCreateAttempts"`
	// MaxInFlight is the most API requests seen in flight at once.
	MaxInFlight int `json:"maxInFlight"`
	// Retries counts requests that carried X-Okta-Retry-Count, the header
	// Okta's SDKs add when they repeat a request after a 429.
	Retries int `json:"retries"`
	// Emails counts the emails Okta would have sent users: an activation
	// link for a user created active without a password (create has no
	// sendEmail), and one for each activate without sendEmail=false and
	// each reactivate or deactivate with sendEmail=true.
	Emails int `json:"emails"`
	// EmailsByLogin counts Emails per recipient, by the user's login at
	// the time.
	EmailsByLogin map[string]int `json:"emailsByLogin"`
	// MemberPageTimeouts counts member pages answered 500 E0000009 for
	// their size (Options.MemberPageTimeoutAbove).
	MemberPageTimeouts int `json:"memberPageTimeouts"`
	// SearchCapRefusals counts search pages refused with 400 E0000031 for
	// starting past Options.SearchCap.
	SearchCapRefusals int `json:"searchCapRefusals"`
}

type statsCollector struct {
	mu sync.Mutex
	s  Stats
}

func (c *statsCollector) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s = Stats{ByRoute: map[string]map[int]int{}, ByBucket: map[string]int{}, EmailsByLogin: map[string]int{}}
}

func (c *statsCollector) add(f func(*Stats)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(&c.s)
}

func (c *statsCollector) request(bucket string, write, retry bool, inFlight int) {
	c.add(func(s *Stats) {
		s.Requests++
		if retry {
			s.Retries++
		}
		if write {
			s.Writes++
		}
		if bucket != "" {
			s.ByBucket[bucket]++
		}
		s.MaxInFlight = max(s.MaxInFlight, inFlight)
	})
}

// email counts one email to login.
func (c *statsCollector) email(login string) {
	c.add(func(s *Stats) {
		s.Emails++
		s.EmailsByLogin[login]++
	})
}

func (c *statsCollector) status(route string, status int) {
	if status == statusDropped {
		status = 0
	}
	c.add(func(s *Stats) {
		m := s.ByRoute[route]
		if m == nil {
			m = map[int]int{}
			s.ByRoute[route] = m
		}
		m[status]++
	})
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	out := s.stats.s
	out.ByBucket = maps.Clone(s.stats.s.ByBucket)
	out.EmailsByLogin = maps.Clone(s.stats.s.EmailsByLogin)
	out.ByRoute = make(map[string]map[int]int, len(s.stats.s.ByRoute))
	for k, v := range s.stats.s.ByRoute {
		out.ByRoute[k] = maps.Clone(v)
	}
	return out
}

// ResetStats zeroes the counters.
func (s *Server) ResetStats() { s.stats.reset() }
