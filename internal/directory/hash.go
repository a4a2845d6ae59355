package directory

// Algorithms of an imported password hash, as Okta names them.
const (
	HashBCRYPT = "BCRYPT"
	HashSHA512 = "SHA-512"
	HashSHA256 = "SHA-256"
	HashSHA1   = "SHA-1"
	HashMD5    = "MD5"
	HashPBKDF2 = "PBKDF2"
)

// HashAlgorithms lists the algorithms Okta imports.
var HashAlgorithms = []string{HashBCRYPT, HashSHA512, HashSHA256, HashSHA1, HashMD5, HashPBKDF2}

// PasswordHash is a password hash imported from another system, which
// Okta takes on a user's create (credentials.password.hash) so that the
// user keeps the password they had. Value and Salt are secrets: a
// PasswordHash is never logged, rendered, stored or put in an error, and
// its String method says only that it is there.
type PasswordHash struct {
	// Algorithm is one of HashAlgorithms.
	Algorithm string
	// Value is the hash: for BCRYPT the 31 radix-64 characters after the
	// salt, for the others the base64 digest.
	Value string
	// Salt is the salt: for BCRYPT 22 radix-64 characters, for the others
	// base64; "" for none.
	Salt string
	// SaltOrder is PREFIX or POSTFIX (salted SHA-* and MD5 hashes).
	SaltOrder string
	// WorkFactor is BCRYPT's cost (1–20).
	WorkFactor int
	// IterationCount, KeySize (bytes) and DigestAlgorithm (SHA256_HMAC or
	// SHA512_HMAC) are PBKDF2's parameters.
	IterationCount  int
	KeySize         int
	DigestAlgorithm string
}

// String hides the hash.
func (h PasswordHash) String() string { return "[imported password hash]" }

// GoString hides the hash from %#v.
func (h PasswordHash) GoString() string { return h.String() }

// SetPasswordHash records the imported password hash of the user with
// login key lk.
func (d *Directory) SetPasswordHash(lk string, h *PasswordHash) {
	if d.Hashes == nil {
		d.Hashes = make(map[string]*PasswordHash)
	}
	d.Hashes[lk] = h
}

// PasswordHash returns the imported password hash of the user with login
// key lk, or nil.
func (d *Directory) PasswordHash(lk string) *PasswordHash { return d.Hashes[lk] }
