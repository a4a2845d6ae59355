package main

import (
	"crypto/tls"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktasync/oktasync/internal/oktasim"
)

const transportToken = "transport-test-token-c0ffee"

// oneRetry keeps runs that cannot connect short: the client retries a
// failed connection like any transport error.
const oneRetry = "  rateLimit:\n    maxRetries: 1\n"

// tlsOrg serves a simulated org over TLS with httptest's certificate, with
// cfg adjusting the server's TLS settings, and writes that certificate as
// PEM to dir/ca.pem. It returns the org URL, the PEM's path and a count of
// requests that reached the org.
func tlsOrg(t *testing.T, dir string, cfg func(*tls.Config)) (orgURL, caPath string, reached *atomic.Int64) {
	t.Helper()
	sim, err := oktasim.New(oktasim.Options{Tokens: []string{transportToken}, CustomAttributes: []string{"employeeType"},
		RateLimit: oktasim.RateLimitOptions{Window: time.Second, Scale: 20}})
	if err != nil {
		t.Fatal(err)
	}
	reached = &atomic.Int64{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		sim.ServeHTTP(w, r)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point
	srv.TLS = &tls.Config{}
	if cfg != nil {
		cfg(srv.TLS)
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caPath = filepath.Join(dir, "ca.pem")
	writeFile(t, caPath, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))
	return srv.URL, caPath, reached
}

// httpsConfig is a config for an https org with no testing switches;
// oktaExtra is added to the okta block.
func httpsConfig(orgURL, oktaExtra string) string {
	return fmt.Sprintf(`okta:
  orgUrl: %s
%ssource:
  csv:
    users: users.csv
scope:
  users: profile.employeeType eq "Employee"
state:
  url: sqlite://state.db
`, orgURL, oktaExtra)
}

// TestTransport checks the connection rules: plain http is refused without
// the testing switch, the org's certificate must be trusted (okta.caFile
// adds a CA), and TLS below 1.2 is refused.
func TestTransport(t *testing.T) {
	env := []string{"OKTA_CLIENT_TOKEN=" + transportToken}
	setup := func(t *testing.T, cfg string) (dir, path string) {
		dir = t.TempDir()
		writeFile(t, filepath.Join(dir, "users.csv"), goodHeader+goodRow(1)+goodRow(2))
		path = filepath.Join(dir, "oktasync.yaml")
		writeFile(t, path, cfg)
		return dir, path
	}

	t.Run("http refused without the testing switch", func(t *testing.T) {
		h := newOrgHarness(t, oktasim.Options{Tokens: []string{transportToken}}, oktasim.Seed{})
		_, cfg := setup(t, httpsConfig(h.URL, ""))
		r := runOktasync(t, env, "run", "--config", cfg)
		if r.code != exitError || !strings.Contains(r.stderr, "okta.orgUrl") || !strings.Contains(r.stderr, "https") {
			t.Errorf("exit %d, want 1 with a message naming okta.orgUrl and https:\n%s", r.code, r.stderr)
		}
		if n := h.requests.Load(); n != 0 {
			t.Errorf("%d requests went out over plain http", n)
		}
		// The switch, from the environment, lets it through.
		r = runOktasync(t, append(env, "OKTA_TESTING_TESTINGDISABLEHTTPSCHECK=true"), "run", "--config", cfg)
		if r.code != exitOK {
			t.Errorf("with the testing switch: exit %d\n%s", r.code, lastLines(r.stderr, 5))
		}
	})

	t.Run("custom CA", func(t *testing.T) {
		dir := t.TempDir()
		orgURL, caPath, reached := tlsOrg(t, dir, nil)
		writeFile(t, filepath.Join(dir, "users.csv"), goodHeader+goodRow(1)+goodRow(2))
		cfg := filepath.Join(dir, "oktasync.yaml")

		// Without the CA, the org's certificate is not trusted.
		writeFile(t, cfg, httpsConfig(orgURL, oneRetry))
		r := runOktasync(t, env, "run", "--config", cfg)
		if r.code != exitError || !strings.Contains(r.stderr, "certificate") {
			t.Errorf("without caFile: exit %d, want 1 with a certificate error:\n%s", r.code, lastLines(r.stderr, 5))
		}
		if n := reached.Load(); n != 0 {
			t.Errorf("%d requests reached an org whose certificate is not trusted", n)
		}

		writeFile(t, cfg, httpsConfig(orgURL, "  caFile: "+caPath+"\n"))
		r = runOktasync(t, env, "run", "--config", cfg)
		if r.code != exitOK {
			t.Fatalf("with caFile: exit %d\n%s", r.code, lastLines(r.stderr, 5))
		}
		if reached.Load() == 0 {
			t.Error("the run succeeded without reaching the org")
		}
	})

	t.Run("TLS below 1.2 refused", func(t *testing.T) {
		dir := t.TempDir()
		orgURL, caPath, reached := tlsOrg(t, dir, func(c *tls.Config) {
			c.MinVersion = tls.VersionTLS10
			c.MaxVersion = tls.VersionTLS11
		})
		writeFile(t, filepath.Join(dir, "users.csv"), goodHeader+goodRow(1))
		cfg := filepath.Join(dir, "oktasync.yaml")
		writeFile(t, cfg, httpsConfig(orgURL, oneRetry+"  caFile: "+caPath+"\n"))
		r := runOktasync(t, env, "run", "--config", cfg)
		if r.code != exitError {
			t.Errorf("exit %d, want 1:\n%s", r.code, lastLines(r.stderr, 5))
		}
		if !strings.Contains(r.stderr, "protocol version") {
			t.Errorf("the error does not say the TLS version was refused:\n%s", lastLines(r.stderr, 5))
		}
		if n := reached.Load(); n != 0 {
			t.Errorf("%d requests reached an org speaking TLS 1.1", n)
		}
	})
}

// TestProxyCredentialsNeverLogged sends a run through an authenticating
// HTTP proxy with debug logging, then through the same proxy with a wrong
// password, and checks that neither password (nor the Basic credentials
// built from it) appears in the output, the report or the state store.
func TestProxyCredentialsNeverLogged(t *testing.T) {
	const (
		user     = "proxyuser"
		password = "pr0xy-S3cret-pa55word-91d2"
		wrong    = "wr0ng-S3cret-pa55word-77ab"
	)
	h := newOrgHarness(t, oktasim.Options{Tokens: []string{transportToken}, RateLimit: oktasim.RateLimitOptions{Window: time.Second, Scale: 20}}, oktasim.Seed{})
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
	var proxied atomic.Int64
	upstream := &http.Transport{} // no proxy of its own, whatever the environment says
	t.Cleanup(upstream.CloseIdleConnections)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Proxy-Authorization") != wantAuth {
			w.Header().Set("Proxy-Authenticate", `Basic realm="test"`)
			http.Error(w, "proxy authentication required", http.StatusProxyAuthRequired)
			return
		}
		if !r.URL.IsAbs() {
			http.Error(w, "not a proxy request", http.StatusBadRequest)
			return
		}
		proxied.Add(1)
		out := r.Clone(r.Context())
		out.RequestURI = ""
		out.Header.Del("Proxy-Authorization")
		resp, err := upstream.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(proxy.Close)
	proxyHost, proxyPort, _ := strings.Cut(strings.TrimPrefix(proxy.URL, "http://"), ":")

	secrets := &secretSet{}
	secrets.add("proxy password", password)
	secrets.add("wrong proxy password", wrong)
	secrets.add("proxy Basic credentials", base64.StdEncoding.EncodeToString([]byte(user+":"+password)))
	secrets.add("wrong proxy Basic credentials", base64.StdEncoding.EncodeToString([]byte(user+":"+wrong)))

	env := []string{"OKTA_CLIENT_TOKEN=" + transportToken}
	out := leftBehind{}
	for _, tc := range []struct {
		name, password string
		code           int
	}{{"right password", password, exitOK}, {"wrong password", wrong, exitError}} {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "users.csv"), goodHeader+goodRow(1)+goodRow(2))
		cfg := filepath.Join(dir, "oktasync.yaml")
		writeFile(t, cfg, simConfig(h.URL, fmt.Sprintf("  proxy:\n    host: %s\n    port: %s\n    username: %s\n", proxyHost, proxyPort, user), ""))
		report := filepath.Join(dir, "report.json")
		// The password comes from the environment, as it would in production.
		r := runOktasync(t, append(env, "OKTA_CLIENT_PROXY_PASSWORD="+tc.password),
			"run", "--config", cfg, "--log-level", "debug", "--output", "json", "--report", report)
		if r.code != tc.code {
			t.Errorf("%s: exit %d, want %d\n%s", tc.name, r.code, tc.code, lastLines(r.stderr, 5))
		}
		t.Logf("%s: exit %d: %s", tc.name, r.code, lastLines(r.stderr, 1))
		out["stdout, "+tc.name] = r.stdout
		out["stderr, "+tc.name] = r.stderr
		out.addFile(t, report)
		if _, err := os.Stat(filepath.Join(dir, "state.db")); err == nil {
			out["state rows, "+tc.name] = stateRows(t, filepath.Join(dir, "state.db"))
			out.addFile(t, filepath.Join(dir, "state.db"))
		}
		if tc.code == exitError && !strings.Contains(r.stderr, "407") && !strings.Contains(strings.ToLower(r.stderr), "proxy") {
			t.Errorf("%s: the error does not say the proxy refused:\n%s", tc.name, lastLines(r.stderr, 5))
		}
	}
	if proxied.Load() == 0 {
		t.Fatal("no request went through the proxy")
	}
	if h.writes.Load() == 0 {
		t.Fatal("the run through the proxy wrote nothing; the test checked too little")
	}
	out.check(t, secrets)
}
