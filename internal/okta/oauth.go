package okta

import "errors"

// privateKeyConfig holds the settings of the PrivateKey authorization mode.
type privateKeyConfig struct {
	clientID string
	scopes   []string
	key      []byte
	kid      string
}

func newPrivateKeyAuth(c *Client, cfg *privateKeyConfig) (authenticator, error) {
	return nil, errors.New("okta: private key authorization is not available yet")
}
