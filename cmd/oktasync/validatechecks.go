package main

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/okta"
)

// This file holds the checks validate makes beyond reading each part: what
// would load and connect, yet cannot work (an empty source, a scope that
// names an attribute the schema lacks or matches no one it should, OAuth
// scopes a run needs but does not get).

// checkSourceUsable refuses a source no run would apply: one with no users
// (it looks exactly like a broken export), or fewer than
// safety.minSourceUsers.
func checkSourceUsable(cfg *config.Config, desired *directory.Directory) error {
	n := len(desired.Users)
	switch {
	case n == 0:
		return fmt.Errorf("%s has no users: a run refuses an empty source, which looks exactly like a broken export", describeSource(cfg.Source))
	case n < cfg.Safety.MinSourceUsers:
		return fmt.Errorf("%s has %s, fewer than safety.minSourceUsers (%d): a run would be blocked", describeSource(cfg.Source), count(n, "user", "users"), cfg.Safety.MinSourceUsers)
	}
	return nil
}

// quotedString matches a double-quoted string of an Okta expression.
var quotedString = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// profileAttr matches a profile attribute an Okta expression names.
var profileAttr = regexp.MustCompile(`\bprofile\.([A-Za-z_][A-Za-z0-9_]*)`)

// scopeAttributes returns the profile attributes a search expression
// names, sorted, leaving out what is inside its quoted strings.
func scopeAttributes(expr string) []string {
	var out []string
	for _, m := range profileAttr.FindAllStringSubmatch(quotedString.ReplaceAllString(expr, `""`), -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return out
}

// checkScopeAttributes refuses a scope.users naming a profile attribute the
// org's user schema lacks: Okta would match no user by it.
func checkScopeAttributes(ctx context.Context, c *okta.Client, cfg *config.Config) error {
	attrs := scopeAttributes(cfg.Scope.Users)
	if len(attrs) == 0 {
		return nil
	}
	schema, _, err := c.Schemas.GetDefaultUserSchema(ctx)
	if err != nil {
		return fmt.Errorf("read the org's user schema to check scope.users: %w", err)
	}
	var missing []string
	for _, a := range attrs {
		if !schema.HasAttribute(a) {
			m := strconv.Quote(a)
			if s := config.Suggest(a, schema.AttributeNames()); s != "" {
				m += fmt.Sprintf(" (did you mean %q?)", s)
			}
			missing = append(missing, m)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("scope.users %q names %s the org's user schema lacks: %s; add it in the Profile Editor (Directory › Profile Editor), or scope on another attribute",
		cfg.Scope.Users, pluralWord(len(missing), "an attribute", "attributes"), strings.Join(missing, ", "))
}

// checkScopeMatches looks at a scope.users that matched no user in Okta:
// when a source user exists there all the same, every such user would be
// left alone, which is an error; otherwise (a new org, whose users
// oktasync will create) it returns a note to show.
func checkScopeMatches(ctx context.Context, c *okta.Client, cfg *config.Config, desired *directory.Directory) (note string, err error) {
	keys := desired.UserKeys()
	if len(keys) > 0 {
		login := desired.Users[keys[0]].Login()
		found, _, err := c.Users.ListPage(ctx, &okta.UserListOptions{Limit: 1, Search: "profile.login eq " + strconv.Quote(login)})
		if err != nil {
			return "", fmt.Errorf("look up source user %s: %w", login, err)
		}
		if len(found) > 0 {
			return "", fmt.Errorf("scope.users %q matches no user in Okta, yet source users exist there (such as %s): a run would leave them all alone; check the expression",
				cfg.Scope.Users, login)
		}
	}
	return fmt.Sprintf("scope.users %q matches no user in Okta yet: only the users oktasync creates will be managed", cfg.Scope.Users), nil
}

// missingRunScopes returns the scopes a run with cfg needs that have
// lacks, with what each is for: config.RunScopes, and with an apps list the
// apps scopes.
func missingRunScopes(cfg *config.Config, have []string) []string {
	need := config.RunScopes
	if len(cfg.Apps) > 0 {
		need = append(slices.Clone(need), config.AppScopes...)
	}
	var missing []string
	for _, s := range need {
		if !slices.Contains(have, s.Scope) {
			missing = append(missing, fmt.Sprintf("%s (to %s)", s.Scope, s.For))
		}
	}
	return missing
}

// checkRunScopes refuses an OAuth setup that does not get every scope a run
// needs: okta.scopes (what is requested) before any call, then, once a call
// has been made, the scopes of the access token Okta issued.
func checkRunScopes(cfg *config.Config, c *okta.Client) error {
	if !strings.EqualFold(cfg.Okta.AuthorizationMode, config.AuthPrivateKey) {
		return nil
	}
	if c == nil {
		if missing := missingRunScopes(cfg, cfg.Okta.Scopes); len(missing) > 0 {
			return fmt.Errorf("okta.scopes lacks what a run needs: %s; request them in okta.scopes and grant them to the app (its Okta API Scopes tab)", strings.Join(missing, ", "))
		}
		return nil
	}
	granted, ok := c.GrantedScopes()
	if !ok {
		return nil
	}
	if missing := missingRunScopes(cfg, granted); len(missing) > 0 {
		return fmt.Errorf("the access token Okta issued lacks what a run needs: %s; grant them to the app (its Okta API Scopes tab)", strings.Join(missing, ", "))
	}
	return nil
}
