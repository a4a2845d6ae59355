package okta

import (
	"crypto/tls"
	"errors"
	"net"
	"net/http"
)

// buildHTTPClient returns the one http.Client the client reuses.
func (c *Client) buildHTTPClient() (*http.Client, error) {
	if c.set.customClient != nil {
		if c.set.proxy != nil || c.set.caFile != "" {
			return nil, errors.New("okta: proxy and CA file options cannot be combined with WithHTTPClient")
		}
		return c.set.customClient, nil
	}
	dialer := &net.Dialer{Timeout: c.set.connTimeout, KeepAlive: 30e9}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = dialer.DialContext
	tr.TLSHandshakeTimeout = c.set.connTimeout
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	tr.Proxy = http.ProxyFromEnvironment
	tr.MaxIdleConnsPerHost = max(c.set.maxConcurrency, 2)
	return &http.Client{Transport: tr}, nil
}
