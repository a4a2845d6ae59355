package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/okta"
	"github.com/oktasync/oktasync/internal/reconcile"
	"github.com/oktasync/oktasync/internal/source"
	"github.com/oktasync/oktasync/internal/state"
)

// This file is where the config becomes components: the source reader, the
// Okta client, the state store and the policy a run is handed, and the
// settings it takes as plain values.

// allowances are one run's permissions to exceed the safety limits
// (--allow-deactivations, --allow-removals).
type allowances struct {
	deactivations, removals int
	appUnassignments        int // --allow-app-unassignments
}

// newRunner builds a sync runner from cfg. client, when not nil, is the
// Okta client to use (serve shares one, to count its calls); otherwise one
// is built.
func newRunner(cfg *config.Config, log *slog.Logger, client *okta.Client, allow allowances) (*reconcile.Runner, error) {
	policy, err := policyFrom(cfg, allow)
	if err != nil {
		return nil, err
	}
	src, err := source.New(cfg)
	if err != nil {
		return nil, err
	}
	if client == nil {
		if client, err = newOktaClient(cfg, log); err != nil {
			return nil, err
		}
	}
	return reconcile.New(settingsFrom(cfg), reconcile.Parts{
		Source:    src,
		Okta:      client,
		OpenStore: storeOpener(cfg, log),
		Policy:    policy,
		Logger:    log,
	}), nil
}

// settingsFrom returns the values a run takes from cfg.
func settingsFrom(cfg *config.Config) reconcile.Settings {
	return reconcile.Settings{
		Org:          orgKey(cfg.Okta.OrgURL),
		ConfigDigest: configDigest(cfg),
		ConfigParts:  configParts(cfg),
		SourceName:   sourceName(cfg),
		Scope:        reconcile.Scope{Users: cfg.Scope.Users, GroupSearch: cfg.Scope.Groups.Search},
		Concurrency:  cfg.Concurrency,
		Schema:       schemaHints(cfg.Mapping),
		RateLimits:   rateLimitsFrom(cfg),
		Links:        linksFrom(cfg),
		Apps:         appSpecs(cfg.Apps),
		Incremental: reconcile.Incremental{
			Enabled:   cfg.Incremental.Enabled,
			FullEvery: cfg.Incremental.FullEvery,
			Digest:    syncDigest(cfg),
		},
	}
}

// linksFrom returns the manager link settings, or nil when mapping.manager
// names no column.
func linksFrom(cfg *config.Config) *reconcile.LinkSettings {
	if cfg.Mapping.Manager.From == "" {
		return nil
	}
	return &reconcile.LinkSettings{Primary: cfg.Links.Primary, Associated: cfg.Links.Associated,
		By: cfg.Mapping.Manager.ManagerBy(), CreateDefinition: cfg.Links.CreateDefinition}
}

// appSpecs turns the config's apps list into the run's app specs.
func appSpecs(apps []config.App) []reconcile.AppSpec {
	out := make([]reconcile.AppSpec, len(apps))
	for i, a := range apps {
		out[i] = reconcile.AppSpec{Field: fmt.Sprintf("apps[%d]", i), App: strings.TrimSpace(a.App)}
		for _, g := range a.Groups {
			out[i].Groups = append(out[i].Groups, reconcile.AppGroupSpec{Group: g.Group, Priority: g.Priority, Profile: g.Profile})
		}
		if a.Users != nil {
			out[i].UsersFrom = a.Users.From
		}
	}
	return out
}

// syncDigest identifies what an incremental run must share with the last
// successful run: what configDigest covers and the mapping (a new mapping
// changes every desired user at once). Another value makes the run full.
func syncDigest(cfg *config.Config) string {
	h := sha256.New()
	_ = json.NewEncoder(h).Encode(struct {
		Version int
		Config  string
		Mapping config.Mapping
	}{1, configDigest(cfg), cfg.Mapping})
	return hex.EncodeToString(h.Sum(nil))
}

// rateLimitsFrom says under which credential the rate-limit shares the
// client learns are kept: the OAuth client id, or a fingerprint of the API
// token (the first 8 bytes of its SHA-256, which cannot be turned back
// into the token), so that a new token does not inherit an old one's share.
func rateLimitsFrom(cfg *config.Config) reconcile.RateLimits {
	rl := reconcile.RateLimits{TokenShare: cfg.Okta.RateLimit.TokenShare}
	if rl.TokenShare <= 0 {
		rl.TokenShare = okta.DefaultTokenShare
	}
	switch {
	case strings.EqualFold(cfg.Okta.AuthorizationMode, config.AuthPrivateKey):
		rl.Credential = "oauth " + cfg.Okta.ClientID
	case cfg.Okta.Token != "":
		sum := sha256.Sum256([]byte(cfg.Okta.Token))
		rl.Credential = "api-token " + hex.EncodeToString(sum[:8])
	}
	return rl
}

// schemaHints tells the schema check which attributes mapping rules set,
// and where, and suggests names as the config's own messages do.
func schemaHints(m config.Mapping) reconcile.SchemaHints {
	h := reconcile.SchemaHints{Mapped: make(map[string]string), Suggest: config.Suggest}
	for _, r := range m.Attributes {
		if _, seen := h.Mapped[r.Attribute]; !seen {
			h.Mapped[r.Attribute] = r.Where
		}
	}
	return h
}

// orgKey names an org in the state store: the host of its URL.
func orgKey(orgURL string) string {
	u, err := url.Parse(orgURL)
	if err != nil || u.Host == "" {
		return orgURL
	}
	return u.Host
}

// newOktaClient builds the Okta client from the config.
func newOktaClient(cfg *config.Config, log *slog.Logger) (*okta.Client, error) {
	opts := []okta.Option{okta.WithLogger(log), okta.WithProduct("oktasync", version)}
	if strings.EqualFold(cfg.Okta.AuthorizationMode, config.AuthPrivateKey) {
		opts = append(opts, okta.WithPrivateKey(cfg.Okta.ClientID, cfg.Okta.Scopes, []byte(cfg.Okta.PrivateKey), cfg.Okta.Kid))
	} else {
		opts = append(opts, okta.WithToken(cfg.Okta.Token))
	}
	if cfg.Okta.Testing.DisableHTTPSCheck {
		opts = append(opts, okta.WithInsecureHTTP())
	}
	if cfg.Okta.RateLimit.MaxRetries > 0 {
		opts = append(opts, okta.WithMaxRetries(cfg.Okta.RateLimit.MaxRetries))
	}
	if cfg.Okta.RateLimit.MaxShare > 0 || cfg.Okta.RateLimit.MaxConcurrency > 0 {
		opts = append(opts, okta.WithRateLimit(cfg.Okta.RateLimit.MaxShare, cfg.Okta.RateLimit.MaxConcurrency))
	}
	if cfg.Okta.RateLimit.TokenShare > 0 {
		opts = append(opts, okta.WithTokenShare(cfg.Okta.RateLimit.TokenShare))
	}
	if p := cfg.Okta.Proxy; p.Host != "" {
		opts = append(opts, okta.WithProxy(okta.ProxyURL(p.Host, p.Port, p.Username, p.Password)))
	}
	if cfg.Okta.ConnectionTimeout > 0 {
		opts = append(opts, okta.WithConnectionTimeout(cfg.Okta.ConnectionTimeout))
	}
	if cfg.Okta.CAFile != "" {
		opts = append(opts, okta.WithCAFile(cfg.Okta.CAFile))
	}
	if cfg.Okta.UserAgent != "" {
		opts = append(opts, okta.WithUserAgent(cfg.Okta.UserAgent))
	}
	if cfg.Okta.RequestTimeout > 0 {
		opts = append(opts, okta.WithRequestTimeout(cfg.Okta.RequestTimeout))
	}
	c, err := okta.NewClient(cfg.Okta.OrgURL, opts...)
	if err != nil {
		return nil, fmt.Errorf("configure Okta client: %w", err)
	}
	return c, nil
}

// stateOptions are the state store options the config asks for.
func stateOptions(cfg *config.Config, log *slog.Logger) state.Options {
	return state.Options{Schema: cfg.State.Schema, AutoMigrate: cfg.State.AutoMigrate, Logger: log}
}

// storeOpener returns the function a run opens the configured state store
// with.
func storeOpener(cfg *config.Config, log *slog.Logger) func(context.Context) (reconcile.Store, error) {
	return func(ctx context.Context) (reconcile.Store, error) {
		s, err := state.Open(ctx, cfg.State.URL, stateOptions(cfg, log))
		if err != nil {
			return nil, err
		}
		return s, nil
	}
}

// policyFrom turns the config's plan settings and the run's one-off
// permissions into a diff.Policy.
func policyFrom(cfg *config.Config, allow allowances) (diff.Policy, error) {
	p := diff.DefaultPolicy()
	switch strings.ToUpper(cfg.Users.CreateStatus) {
	case "", "ACTIVE":
		p.CreateActive = true
	case "STAGED":
		p.CreateActive = false
	default:
		return p, fmt.Errorf("users.createStatus %q: want ACTIVE or STAGED", cfg.Users.CreateStatus)
	}
	p.SendActivationEmail = cfg.Users.SendActivationEmail
	p.EditDeactivatedProfiles = cfg.Users.EditDeactivatedProfiles
	p.Reactivate = cfg.Users.Reactivate
	p.DeleteAfter = cfg.Users.DeleteAfter
	p.Leavers = cfg.Users.Leavers
	p.LeaverGrace = cfg.Users.LeaverGrace
	p.ProtectLogins = cfg.Protect.Logins
	p.ProtectGroups = cfg.Protect.Groups
	p.DeleteUnlistedGroups = cfg.Groups.DeleteUnlisted
	p.GroupPrefix = cfg.Scope.Groups.Prefix
	if s := cfg.Safety.MaxDeactivations; s != "" {
		l, err := diff.ParseLimit(s)
		if err != nil {
			return p, fmt.Errorf("safety.maxDeactivations: %w", err)
		}
		p.Safety.MaxDeactivations = l
	}
	if s := cfg.Safety.MaxMembershipRemovals; s != "" {
		l, err := diff.ParseLimit(s)
		if err != nil {
			return p, fmt.Errorf("safety.maxMembershipRemovals: %w", err)
		}
		p.Safety.MaxMembershipRemovals = l
	}
	if s := cfg.Safety.MaxAppUnassignments; s != "" {
		l, err := diff.ParseLimit(s)
		if err != nil {
			return p, fmt.Errorf("safety.maxAppUnassignments: %w", err)
		}
		p.Safety.MaxAppUnassignments = l
	}
	p.Safety.AllowAppUnassignments = allow.appUnassignments
	p.Safety.MinSourceUsers = cfg.Safety.MinSourceUsers
	p.Safety.AllowDeactivations = allow.deactivations
	p.Safety.AllowRemovals = allow.removals
	return p, nil
}

// configSections are the parts of the configuration that shape a plan, by
// name: the org, the scope, the user, group, protection and safety
// policies, and (when configured) the apps and manager links. configDigest
// covers them all, and configParts names each so that apply can say which
// changed since a plan was saved ("the config's scope changed"). Secrets,
// file locations and connection settings are left out, so a plan made on
// one machine can be applied from another checkout.
func configSections(cfg *config.Config) []configSection {
	sections := []configSection{
		{"org", orgKey(cfg.Okta.OrgURL)}, {"scope", cfg.Scope}, {"users", cfg.Users},
		{"groups", cfg.Groups}, {"protect", cfg.Protect}, {"safety", cfg.Safety},
	}
	if len(cfg.Apps) > 0 {
		sections = append(sections, configSection{"apps", appSpecs(cfg.Apps)})
	}
	if l := linksFrom(cfg); l != nil {
		sections = append(sections, configSection{"links", l})
	}
	return sections
}

// configSection is one named part of the configuration.
type configSection struct {
	name  string
	value any
}

// configDigest identifies the configuration a plan depends on (every one
// of configSections): a saved plan made with another is refused.
func configDigest(cfg *config.Config) string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	_ = enc.Encode(2) // the digest's version
	for _, sec := range configSections(cfg) {
		_ = enc.Encode(sec.name)
		_ = enc.Encode(sec.value)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// configParts identifies each of configSections by name.
func configParts(cfg *config.Config) map[string]string {
	sections := configSections(cfg)
	out := make(map[string]string, len(sections))
	for _, sec := range sections {
		h := sha256.New()
		_ = json.NewEncoder(h).Encode(sec.value)
		out[sec.name] = hex.EncodeToString(h.Sum(nil)[:12])
	}
	return out
}

// sourceName names the source for people: the CSV files' names, or the
// Postgres source.
func sourceName(cfg *config.Config) string {
	c := cfg.Source.CSV
	if c == nil {
		return "the Postgres source"
	}
	var names []string
	for _, f := range []string{c.Users, c.Groups, c.Memberships} {
		if f != "" {
			names = append(names, filepath.Base(f))
		}
	}
	return strings.Join(names, " and ")
}
