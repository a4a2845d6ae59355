package config

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestRedacted(t *testing.T) {
	t.Parallel()
	c := Default()
	c.Okta.OrgURL = "https://example.okta.com"
	c.Okta.Token = secretToken
	c.Okta.PrivateKey = "-----BEGIN PRIVATE KEY-----" + secretToken
	c.Okta.Proxy = Proxy{Host: "proxy", Port: 3128, Username: "u", Password: secretToken}
	c.Source.Postgres = &PostgresSource{URL: "postgres://u:" + secretToken + "@db/hr", Users: "select 1"}
	c.State.URL = "postgres://u:" + secretToken + "@db/state"

	r := c.Redacted()
	if s := fmt.Sprintf("%+v %+v", r, *r.Source.Postgres); strings.Contains(s, secretToken) {
		t.Errorf("Redacted shows a secret: %s", s)
	}
	if r.Okta.Token != Redacted || r.Okta.Proxy.Host != "proxy" || !strings.HasPrefix(r.State.URL, "postgres://u:") {
		t.Errorf("Redacted = %+v", r)
	}
	if c.Okta.Token != secretToken || !strings.Contains(c.Source.Postgres.URL, secretToken) {
		t.Error("Redacted changed the original")
	}

	for _, h := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	} {
		var buf bytes.Buffer
		slog.New(h(&buf)).Info("config", "config", &c)
		if strings.Contains(buf.String(), secretToken) || !strings.Contains(buf.String(), "example.okta.com") {
			t.Errorf("log line: %s", buf.String())
		}
	}
}
