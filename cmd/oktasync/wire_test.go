package main

import (
	"strings"
	"testing"

	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/okta"
	"github.com/oktasync/oktasync/internal/reconcile"
)

func TestPolicyFrom(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.Users.CreateStatus = "staged"
	cfg.Users.SendActivationEmail = true
	cfg.Users.EditDeactivatedProfiles = true
	cfg.Protect.Groups = []string{"Break Glass"}
	cfg.Protect.Logins = []string{"root@example.com"}
	cfg.Groups.DeleteUnlisted = true
	cfg.Scope.Groups.Prefix = "hr-"
	cfg.Safety.MaxDeactivations = "off"
	cfg.Safety.MaxMembershipRemovals = "25"
	cfg.Safety.MinSourceUsers = 3
	cfg.Safety.MaxAppUnassignments = "7"
	p, err := policyFrom(&cfg, allowances{deactivations: 2, removals: 9, appUnassignments: 4})
	if err != nil {
		t.Fatal(err)
	}
	if p.CreateActive || !p.SendActivationEmail || !p.EditDeactivatedProfiles || !p.Reactivate || !p.DeleteUnlistedGroups || p.GroupPrefix != "hr-" ||
		len(p.ProtectGroups) != 1 || len(p.ProtectLogins) != 1 {
		t.Errorf("policy %+v", p)
	}
	want := diff.Safety{MaxDeactivations: diff.Limit{Count: -1}, MaxMembershipRemovals: diff.Limit{Count: 25}, MinSourceUsers: 3, AllowDeactivations: 2, AllowRemovals: 9,
		MaxAppUnassignments: diff.Limit{Count: 7}, AllowAppUnassignments: 4}
	if p.Safety != want {
		t.Errorf("safety %+v, want %+v", p.Safety, want)
	}

	cfg.Users.CreateStatus = "PENDING"
	if _, err := policyFrom(&cfg, allowances{}); err == nil {
		t.Error("createStatus PENDING accepted")
	}
	cfg.Users.CreateStatus, cfg.Safety.MaxMembershipRemovals = "", "lots"
	if _, err := policyFrom(&cfg, allowances{}); err == nil {
		t.Error("maxMembershipRemovals lots accepted")
	}
}

// The config digest follows what shapes a plan and nothing else: a plan
// made with another token, on another machine, still applies.
func TestConfigDigest(t *testing.T) {
	t.Parallel()
	base := config.Default()
	base.Okta.OrgURL = "https://example.okta.com"
	digest := func(edit func(*config.Config)) string {
		c := base
		edit(&c)
		return configDigest(&c)
	}
	d := digest(func(*config.Config) {})
	if got := digest(func(c *config.Config) { c.Okta.Token, c.State.URL = "other-token", "sqlite://elsewhere.db" }); got != d {
		t.Error("the digest depends on the token or the state URL")
	}
	if got := digest(func(c *config.Config) { c.Okta.OrgURL = "https://example.okta.com/" }); got != d {
		t.Error("the digest depends on more than the org's host")
	}
	for name, edit := range map[string]func(*config.Config){
		"org":    func(c *config.Config) { c.Okta.OrgURL = "https://other.okta.com" },
		"scope":  func(c *config.Config) { c.Scope.Users = `profile.userType eq "Employee"` },
		"safety": func(c *config.Config) { c.Safety.MaxDeactivations = "off" },
	} {
		if digest(edit) == d {
			t.Errorf("the digest ignores the %s", name)
		}
	}
}

func TestSettingsFrom(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.Okta.OrgURL = "https://example.okta.com"
	cfg.Scope.Users = `profile.userType eq "Employee"`
	cfg.Scope.Groups.Search = `type eq "OKTA_GROUP"`
	cfg.Mapping.Attributes = []config.AttributeMapping{
		{Attribute: "badge", Where: "oktasync.yaml line 12"},
		{Attribute: "badge", Where: "oktasync.yaml line 14"},
		{Attribute: "title"},
	}
	s := settingsFrom(&cfg)
	if s.Org != "example.okta.com" || s.ConfigDigest != configDigest(&cfg) || s.Concurrency != cfg.Concurrency ||
		s.Scope != (reconcile.Scope{Users: cfg.Scope.Users, GroupSearch: cfg.Scope.Groups.Search}) {
		t.Errorf("settings %+v", s)
	}
	if w, ok := s.Schema.Mapped["badge"]; !ok || w != "oktasync.yaml line 12" {
		t.Errorf("badge mapped at %q (%v), want the first rule's place", w, ok)
	}
	if _, ok := s.Schema.Mapped["title"]; !ok || s.Schema.Suggest == nil {
		t.Errorf("schema hints %+v", s.Schema)
	}
	if got := orgKey("not a url"); got != "not a url" {
		t.Errorf("orgKey of a string that is no URL = %q", got)
	}
}

// TestRateLimitsFrom checks the credential the learned rate-limit shares
// are kept under: the OAuth client id, or an API token's fingerprint that
// does not contain the token and differs between tokens.
func TestRateLimitsFrom(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.Okta.Token = "00aBcDeFgHiJkLmNoPqRsTuVwXyZ-secret"
	a := rateLimitsFrom(&cfg)
	if !strings.HasPrefix(a.Credential, "api-token ") || strings.Contains(a.Credential, cfg.Okta.Token[:8]) {
		t.Errorf("API token credential = %q", a.Credential)
	}
	if a.TokenShare != okta.DefaultTokenShare {
		t.Errorf("token share = %v, want the default %v", a.TokenShare, okta.DefaultTokenShare)
	}
	cfg.Okta.Token = "another-token"
	if b := rateLimitsFrom(&cfg); b.Credential == a.Credential {
		t.Error("two tokens share a credential key")
	}
	cfg.Okta.Token = ""
	cfg.Okta.AuthorizationMode = config.AuthPrivateKey
	cfg.Okta.ClientID = "0oa1client"
	cfg.Okta.RateLimit.TokenShare = 0.8
	if c := rateLimitsFrom(&cfg); c.Credential != "oauth 0oa1client" || c.TokenShare != 0.8 {
		t.Errorf("OAuth rate limits = %+v", c)
	}
}
