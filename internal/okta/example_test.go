package okta_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/oktasync/oktasync/internal/okta"
)

func ExampleNewClient() {
	c, err := okta.NewClient("https://example.okta.com",
		okta.WithToken(os.Getenv("OKTA_CLIENT_TOKEN")),
		okta.WithProduct("example-app", "1.0.0"), // User-Agent: example-app/1.0.0 go/… os/arch
		okta.WithRateLimit(0.5, 8),               // at most half of each bucket, 8 requests in flight
		okta.WithRequestTimeout(time.Minute),     // one call, retries included
	)
	if err != nil {
		log.Fatal(err)
	}
	_ = c
}

func ExampleUsersService_List() {
	c, err := okta.NewClient("https://example.okta.com", okta.WithToken(os.Getenv("OKTA_CLIENT_TOKEN")))
	if err != nil {
		log.Fatal(err)
	}
	// Every user changed since a checkpoint; filter is strongly consistent
	// and, unlike a plain list, returns DEPROVISIONED users too.
	opts := &okta.UserListOptions{Limit: 200, Filter: `lastUpdated gt "2026-01-01T00:00:00.000Z"`}
	for u, err := range c.Users.List(context.Background(), opts) {
		if err != nil {
			log.Fatal(err) // a failed page is an error, never the end of the list
		}
		fmt.Println(u.Login(), u.Status)
	}
}

func ExampleUsersService_Create() {
	c, err := okta.NewClient("https://example.okta.com", okta.WithToken(os.Getenv("OKTA_CLIENT_TOKEN")))
	if err != nil {
		log.Fatal(err)
	}
	u, _, err := c.Users.Create(context.Background(), okta.CreateUserRequest{Profile: map[string]any{
		"login": "jdoe@example.com", "email": "jdoe@example.com", "firstName": "J", "lastName": "Doe",
	}}, true)
	switch {
	case okta.IsAlreadyExists(err):
		fmt.Println("the login is taken")
	case errors.Is(err, okta.ErrOutcomeUnknown):
		fmt.Println("read the user back before trying again")
	case err != nil:
		log.Fatal(err)
	default:
		fmt.Println(u.ID, u.Status)
	}
}
