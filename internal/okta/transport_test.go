package okta

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/pem"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

func TestCAFileAndTLSMinimum(t *testing.T) {
	t.Parallel()
	okHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, testUser("00u1", "a@example.com")) })
	quiet := log.New(io.Discard, "", 0) // handshake failures are expected
	modern := httptest.NewUnstartedServer(okHandler)
	modern.Config.ErrorLog = quiet
	modern.StartTLS()
	t.Cleanup(modern.Close)
	old := httptest.NewUnstartedServer(okHandler)
	old.Config.ErrorLog = quiet
	old.TLS = &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}
	old.StartTLS()
	t.Cleanup(old.Close)

	dir := t.TempDir()
	caFile := func(srv *httptest.Server) string {
		p := filepath.Join(dir, strings.ReplaceAll(srv.Listener.Addr().String(), ":", "_")+".pem")
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	empty := filepath.Join(dir, "empty.pem")
	os.WriteFile(empty, []byte("nothing"), 0o600)

	tests := []struct {
		name       string
		srv        *httptest.Server
		opts       []Option
		wantNewErr string
		wantErr    string
	}{
		{"custom CA trusted", modern, []Option{WithCAFile(caFile(modern))}, "", ""},
		{"unknown CA refused", modern, nil, "", "certificate"},
		{"TLS 1.1 refused", old, []Option{WithCAFile(caFile(old))}, "", "protocol version"},
		{"CA file without certificates", modern, []Option{WithCAFile(empty)}, "no PEM certificate", ""},
		{"missing CA file", modern, []Option{WithCAFile(filepath.Join(dir, "nope.pem"))}, "read CA file", ""},
		{"CA file with own http client", modern, []Option{WithCAFile(caFile(modern)), WithHTTPClient(&http.Client{})}, "cannot be combined", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(tt.srv.URL, append([]Option{WithToken(testToken), WithMaxRetries(0)}, tt.opts...)...)
			if tt.wantNewErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantNewErr) {
					t.Fatalf("NewClient err = %v, want %q", err, tt.wantNewErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = c.Users.Get(context.Background(), "00u1")
			if tt.wantErr == "" && err != nil {
				t.Fatalf("err = %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// proxy is a forward proxy for plain-http targets that insists on basic
// credentials.
func proxy(t *testing.T, user, pass string) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Proxy-Authorization") != want {
			w.WriteHeader(http.StatusProxyAuthRequired)
			return
		}
		n.Add(1)
		out := r.Clone(r.Context())
		out.RequestURI = ""
		out.Header.Del("Proxy-Authorization")
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestProxy(t *testing.T) {
	t.Parallel()
	const user, pass = "proxyuser", "Pr0xy-Secret-Pass"
	prx, used := proxy(t, user, pass)
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := closed.Addr().String()
	closed.Close()
	prxHost, prxPort, _ := net.SplitHostPort(strings.TrimPrefix(prx.URL, "http://"))
	port, _ := strconv.Atoi(prxPort)
	tests := []struct {
		name    string
		proxy   string
		wantErr bool
	}{
		{"through the proxy", ProxyURL(prxHost, port, user, pass), false},
		{"wrong password", ProxyURL(prxHost, port, user, "nope"), true},
		{"proxy down", "http://" + user + ":" + pass + "@" + deadAddr, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			o := setup(t, WithProxy(tt.proxy), WithMaxRetries(0), WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			o.mux.HandleFunc("GET /api/v1/users/{id}", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, testUser("00u1", "a@example.com"))
			})
			before := used.Load()
			_, _, err := o.client.Users.Get(context.Background(), "00u1")
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if !tt.wantErr && used.Load() != before+1 {
				t.Error("the request did not go through the proxy")
			}
			if err != nil && strings.Contains(err.Error(), pass) {
				t.Errorf("error leaks the proxy password: %v", err)
			}
			if strings.Contains(logs.String(), pass) {
				t.Errorf("log leaks the proxy password:\n%s", logs.String())
			}
		})
	}
	if _, err := NewClient("https://example.okta.com", WithToken("t0k3n"), WithProxy("ftp://x")); err == nil {
		t.Error("ftp proxy: want an error")
	}
}

func TestProxyURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		host       string
		port       int
		user, pass string
		want       string
	}{
		{"proxy.example.com", 3128, "", "", "http://proxy.example.com:3128"},
		{"proxy.example.com", 0, "u", "p@ss", "http://u:p%40ss@proxy.example.com"},
		{"https://proxy.example.com", 8443, "u", "p", "https://u:p@proxy.example.com:8443"},
		{"http://proxy.example.com:3128", 9999, "", "", "http://proxy.example.com:3128"},
		{"::1", 3128, "", "", "http://[::1]:3128"},
	}
	for _, tt := range tests {
		if got := ProxyURL(tt.host, tt.port, tt.user, tt.pass); got != tt.want {
			t.Errorf("ProxyURL(%q, %d) = %s, want %s", tt.host, tt.port, got, tt.want)
		}
	}
}
