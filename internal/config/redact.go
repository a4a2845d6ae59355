package config

import (
	"log/slog"

	"github.com/oktasync/oktasync/internal/redact"
)

// Redacted is the text that stands in for a secret.
const Redacted = redact.Mask

// Redacted returns a copy of c with every secret replaced by "REDACTED"
// (the token, the private key, the proxy password) and passwords taken out
// of URLs, fit to print or log.
func (c *Config) Redacted() Config {
	r := *c
	r.Okta.Token = redact.Value(r.Okta.Token)
	r.Okta.PrivateKey = redact.Value(r.Okta.PrivateKey)
	r.Okta.Proxy.Password = redact.Value(r.Okta.Proxy.Password)
	r.Okta.Scopes = append([]string(nil), c.Okta.Scopes...)
	if c.Source.CSV != nil {
		csv := *c.Source.CSV
		r.Source.CSV = &csv
	}
	if c.Source.Postgres != nil {
		pg := *c.Source.Postgres
		if redact.HasPassword(pg.URL) {
			pg.URL = redact.URL(pg.URL)
		}
		r.Source.Postgres = &pg
	}
	if redact.HasPassword(r.State.URL) {
		r.State.URL = redact.URL(r.State.URL)
	}
	r.Protect.Logins = append([]string(nil), c.Protect.Logins...)
	r.Protect.Groups = append([]string(nil), c.Protect.Groups...)
	r.Warnings = append([]string(nil), c.Warnings...)
	return r
}

// redactedConfig is a Config already redacted, so that logging it does
// not redact it again.
type redactedConfig Config

// LogValue logs the configuration with its secrets redacted.
func (c *Config) LogValue() slog.Value {
	r := redactedConfig(c.Redacted())
	return slog.AnyValue(r)
}

var _ slog.LogValuer = (*Config)(nil)
