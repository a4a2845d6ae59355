package config

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const examplePath = "../../config.example.yaml"

// TestExampleConfigLoads loads config.example.yaml as shipped.
func TestExampleConfigLoads(t *testing.T) {
	t.Parallel()
	l, _ := setup(t, map[string]string{"OKTA_CLIENT_TOKEN": "t"})
	abs, err := filepath.Abs(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	c, err := l.load(abs)
	if err != nil {
		t.Fatalf("load %s: %v", examplePath, err)
	}
	if c.Source.CSV == nil || c.Source.CSV.Users != filepath.Join(filepath.Dir(abs), "users.csv") {
		t.Errorf("source.csv = %+v", c.Source.CSV)
	}
}

var commentedKey = regexp.MustCompile(`^(\s*)# (\s*[A-Za-z][A-Za-z0-9]*:(\s.*)?)$`)

// TestExampleConfigDocumentsEveryKey uncomments the optional keys of
// config.example.yaml and checks that every key is there, at its default,
// with its environment variable named.
func TestExampleConfigDocumentsEveryKey(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, line := range strings.Split(string(data), "\n") {
		if m := commentedKey.FindStringSubmatch(line); m != nil {
			line = m[1] + m[2]
		}
		lines = append(lines, line)
	}
	full := strings.Join(lines, "\n")
	root, err := parseYAML([]byte(full), "uncommented example")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Default()
	dec := newDecoder("uncommented example", true, func(string) (string, bool) { return "x", true })
	dec.decodeStruct(root, reflect.ValueOf(&cfg).Elem(), "")
	for _, e := range dec.errs {
		t.Error(e)
	}
	for _, k := range Keys() {
		if !dec.set[k.Path] {
			t.Errorf("key %s is not in %s", k.Path, examplePath)
		}
		if !strings.Contains(full, "# env "+k.Env) {
			t.Errorf("key %s: env %s is not named in %s", k.Path, k.Env, examplePath)
		}
	}

	// The shown defaults are the defaults, for the keys that have one.
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(full), &doc); err != nil {
		t.Fatal(err)
	}
	d := Default()
	checks := map[string]any{
		"okta.authorizationMode":           d.Okta.AuthorizationMode,
		"okta.connectionTimeout":           "30s",
		"okta.requestTimeout":              "5m",
		"okta.rateLimit.maxRetries":        d.Okta.RateLimit.MaxRetries,
		"okta.rateLimit.maxShare":          d.Okta.RateLimit.MaxShare,
		"okta.rateLimit.tokenShare":        d.Okta.RateLimit.TokenShare,
		"okta.rateLimit.maxConcurrency":    d.Okta.RateLimit.MaxConcurrency,
		"source.postgres.statementTimeout": "60s",
		"state.url":                        d.State.URL,
		"concurrency":                      d.Concurrency,
		"log.level":                        d.Log.Level,
	}
	for path, want := range checks {
		var v any = doc
		for _, part := range strings.Split(path, ".") {
			v = v.(map[string]any)[part]
		}
		if v != want {
			t.Errorf("%s shows %v, default is %v", path, v, want)
		}
	}
}

// TestExampleDemoConfigLoads loads examples/oktasync.yaml.
func TestExampleDemoConfigLoads(t *testing.T) {
	t.Parallel()
	l, _ := setup(t, map[string]string{"OKTA_CLIENT_TOKEN": "t"})
	abs, err := filepath.Abs("../../examples/oktasync.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := l.load(abs)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if c.Okta.OrgURL != "https://example.okta.com" || c.Source.CSV.Users != filepath.Join(filepath.Dir(abs), "users.csv") {
		t.Errorf("orgUrl, users = %q, %q", c.Okta.OrgURL, c.Source.CSV.Users)
	}
}
