package oktasim

import (
	"net/http"
	"slices"
)

// hashBody is credentials.password.hash, Okta's imported password hash.
// Only whether it was given is kept: the simulator never stores a hash.
type hashBody struct {
	Algorithm       string `json:"algorithm"`
	Value           string `json:"value"`
	Salt            string `json:"salt"`
	SaltOrder       string `json:"saltOrder"`
	WorkFactor      *int   `json:"workFactor"`
	IterationCount  *int   `json:"iterationCount"`
	KeySize         *int   `json:"keySize"`
	DigestAlgorithm string `json:"digestAlgorithm"`
}

var (
	hashAlgorithms = []string{"BCRYPT", "SHA-512", "SHA-256", "SHA-1", "MD5", "PBKDF2"}
	hashDigests    = []string{"SHA256_HMAC", "SHA512_HMAC"}
)

// causes returns the errorCauses of what is wrong with the hash, as the
// field names Okta documents for it; they never quote the value or salt.
func (h *hashBody) causes() []string {
	var out []string
	bad := func(field, msg string) { out = append(out, "credentials.password.hash."+field+": "+msg) }
	if !slices.Contains(hashAlgorithms, h.Algorithm) {
		bad("algorithm", "must be one of BCRYPT, SHA-512, SHA-256, SHA-1, MD5, PBKDF2")
	}
	if h.Value == "" {
		bad("value", "The field cannot be left blank")
	}
	switch h.Algorithm {
	case "BCRYPT":
		if h.WorkFactor == nil || *h.WorkFactor < 1 || *h.WorkFactor > 20 {
			bad("workFactor", "must be between 1 and 20")
		}
		if len(h.Salt) != 22 {
			bad("salt", "must be 22 characters long")
		}
	case "PBKDF2":
		if h.IterationCount == nil || *h.IterationCount < 4096 {
			bad("iterationCount", "must be at least 4096")
		}
		if h.KeySize == nil || *h.KeySize < 1 {
			bad("keySize", "The field cannot be left blank")
		}
		if !slices.Contains(hashDigests, h.DigestAlgorithm) {
			bad("digestAlgorithm", "must be SHA256_HMAC or SHA512_HMAC")
		}
	default:
		if h.Salt != "" && h.SaltOrder != "PREFIX" && h.SaltOrder != "POSTFIX" {
			bad("saltOrder", "must be PREFIX or POSTFIX")
		}
	}
	return out
}

// checkCredentials answers, and returns false, when the body's password
// credentials are not acceptable: a hash with problems, a hash with a
// value, or (forCreate false) a hash in an update of a user that is not
// STAGED: Okta imports a hash only on create or into a STAGED user.
func checkCredentials(w http.ResponseWriter, r *http.Request, b *userBody, forCreate bool, status string) bool {
	h := b.hash()
	if h == nil {
		return true
	}
	if _, hasValue := b.password(); hasValue {
		validationFailed(w, r, "credentials.password", "credentials.password: a password value and a hash cannot both be given")
		return false
	}
	if !forCreate && status != statusStaged {
		validationFailed(w, r, "credentials.password.hash", "credentials.password.hash: a password hash can be imported only when a user is created, or into a STAGED user")
		return false
	}
	if causes := h.causes(); len(causes) > 0 {
		validationFailed(w, r, "credentials.password.hash", causes...)
		return false
	}
	return true
}
