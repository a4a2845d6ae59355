package okta

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// WithProxy sends requests through an HTTP(S) proxy, such as
// http://user:password@proxy.example.com:3128. Credentials in the URL are
// used for the proxy only and never logged. Without this option the
// HTTPS_PROXY and NO_PROXY environment variables apply.
func WithProxy(proxyURL string) Option {
	return func(c *Client) error {
		u, err := url.Parse(strings.TrimSpace(proxyURL))
		if err != nil {
			return errors.New("okta: proxy URL cannot be parsed")
		}
		switch u.Scheme {
		case "http", "https", "socks5":
		default:
			return fmt.Errorf("okta: proxy URL %s: scheme must be http, https or socks5", u.Redacted())
		}
		if u.Hostname() == "" {
			return fmt.Errorf("okta: proxy URL %s has no host", u.Redacted())
		}
		if pw, ok := u.User.Password(); ok {
			c.secrets.add(pw)
		}
		c.set.proxy = u
		return nil
	}
}

// ProxyURL builds a proxy URL from the Okta SDKs' separate settings
// (proxy.host, proxy.port, proxy.username, proxy.password), for WithProxy.
// host may be a bare name or already carry a scheme (https://proxy).
func ProxyURL(host string, port int, username, password string) string {
	host = strings.TrimSpace(host)
	u := &url.URL{Scheme: "http", Host: host}
	if strings.Contains(host, "://") {
		if parsed, err := url.Parse(host); err == nil {
			u = &url.URL{Scheme: parsed.Scheme, Host: parsed.Host, User: parsed.User}
		}
	}
	if _, _, err := net.SplitHostPort(u.Host); err != nil && port > 0 {
		// No port of its own (or a bare IPv6 address).
		u.Host = net.JoinHostPort(strings.Trim(u.Host, "[]"), strconv.Itoa(port))
	}
	if username != "" {
		u.User = url.UserPassword(username, password)
	}
	return u.String()
}

// WithConnectionTimeout bounds establishing one connection (TCP connect and
// TLS handshake); see DefaultConnectionTimeout.
func WithConnectionTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return fmt.Errorf("okta: connection timeout %s must be positive", d)
		}
		c.set.connTimeout = d
		return nil
	}
}

// WithCAFile trusts the PEM certificates in path, beside the system's, for
// the org's TLS certificate (a TLS-inspecting proxy, a private simulator).
func WithCAFile(path string) Option {
	return func(c *Client) error {
		if strings.TrimSpace(path) == "" {
			return errors.New("okta: empty CA file name")
		}
		c.set.caFile = path
		return nil
	}
}

// buildHTTPClient returns the one http.Client the client reuses.
func (c *Client) buildHTTPClient() (*http.Client, error) {
	if c.set.customClient != nil {
		if c.set.proxy != nil || c.set.caFile != "" {
			return nil, errors.New("okta: proxy and CA file options cannot be combined with WithHTTPClient")
		}
		return c.set.customClient, nil
	}
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.set.caFile != "" {
		pemData, err := os.ReadFile(c.set.caFile)
		if err != nil {
			return nil, fmt.Errorf("okta: read CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pemData) {
			return nil, fmt.Errorf("okta: CA file %s holds no PEM certificate", c.set.caFile)
		}
		tlsConf.RootCAs = pool
	}
	dialer := &net.Dialer{Timeout: c.set.connTimeout, KeepAlive: 30 * time.Second}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = dialer.DialContext
	tr.TLSHandshakeTimeout = c.set.connTimeout
	tr.TLSClientConfig = tlsConf
	tr.Proxy = http.ProxyFromEnvironment
	if c.set.proxy != nil {
		tr.Proxy = http.ProxyURL(c.set.proxy)
	}
	tr.MaxIdleConnsPerHost = max(c.set.maxConcurrency, 2)
	tr.MaxConnsPerHost = 0
	return &http.Client{Transport: tr}, nil
}
