package source

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/directory"
)

// Test hash material: made up, in the shapes Okta takes.
var (
	testBcryptSalt  = "abcdefghijklmnopqrstuv"          // 22 radix-64 characters
	testBcryptValue = "ABCDEFGHIJKLMNOPQRSTUVWXYZ./012" // 31
	testSHA256      = func() string { s := sha256.Sum256([]byte("pw")); return base64.StdEncoding.EncodeToString(s[:]) }()
	testSHA512      = func() string { s := sha512.Sum512([]byte("pw")); return base64.StdEncoding.EncodeToString(s[:]) }()
	testSaltB64     = base64.StdEncoding.EncodeToString([]byte("salty-salt"))
)

func col(c string) config.HashPart { return config.HashPart{From: c} }
func val(v string) config.HashPart { return config.HashPart{Value: v, HasValue: true} }
func hashOpt(h config.PasswordHash) Option {
	return WithMapping(config.Mapping{Passthrough: true, EmptyValues: config.EmptyIgnore, PasswordHash: &h})
}

func TestPasswordHashRows(t *testing.T) {
	t.Parallel()
	hashCols := config.PasswordHash{
		Algorithm: col("alg"), Value: col("hash"), Salt: col("salt"), SaltOrder: col("order"),
		WorkFactor: col("cost"), IterationCount: col("iter"), KeySize: col("keysize"), DigestAlgorithm: col("digest"),
	}
	head := header + ",alg,hash,salt,order,cost,iter,keysize,digest\n"
	u := func(n int, rest string) string { return row(n) + "," + rest + "\n" }
	input := head +
		u(1, "BCRYPT,"+testBcryptValue+","+testBcryptSalt+",,10,,,") +
		u(2, "bcrypt,$2b$12$"+testBcryptSalt+testBcryptValue+",,,,,,") +
		u(3, "SHA-256,"+testSHA256+","+testSaltB64+",prefix,,,,") +
		u(4, "SHA-512,"+testSHA512+",,,,,,") +
		u(5, "PBKDF2,"+testSHA256+","+testSaltB64+",,,5000,32,SHA256_HMAC") +
		u(6, ",,,,,,,")
	d, err := readUsersFile(t, input, hashOpt(hashCols))
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	want := map[string]*directory.PasswordHash{
		"u1@example.com": {Algorithm: "BCRYPT", Value: testBcryptValue, Salt: testBcryptSalt, WorkFactor: 10},
		"u2@example.com": {Algorithm: "BCRYPT", Value: testBcryptValue, Salt: testBcryptSalt, WorkFactor: 12},
		"u3@example.com": {Algorithm: "SHA-256", Value: testSHA256, Salt: testSaltB64, SaltOrder: "PREFIX"},
		"u4@example.com": {Algorithm: "SHA-512", Value: testSHA512},
		"u5@example.com": {Algorithm: "PBKDF2", Value: testSHA256, Salt: testSaltB64, IterationCount: 5000, KeySize: 32, DigestAlgorithm: "SHA256_HMAC"},
	}
	if diff := cmp.Diff(want, d.Hashes); diff != "" {
		t.Errorf("hashes (-want +got):\n%s", diff)
	}
	for lk, u := range d.Users {
		for a := range u.Profile.Names() {
			if !strings.Contains(header, a) {
				t.Errorf("user %s has attribute %s: a hash column became an attribute", lk, a)
			}
		}
	}
}

func TestPasswordHashRowErrors(t *testing.T) {
	t.Parallel()
	constBcrypt := config.PasswordHash{Algorithm: val("BCRYPT"), Value: col("hash"), Salt: col("salt"), WorkFactor: col("cost")}
	tests := []struct {
		name  string
		h     config.PasswordHash
		input string
		want  string
	}{
		{"bcrypt work factor", constBcrypt, header + ",hash,salt,cost\n" + row(1) + "," + testBcryptValue + "," + testBcryptSalt + ",21\n",
			"users.csv line 2: passwordHash workFactor: 21 is out of Okta's range 1–20"},
		{"bcrypt value", constBcrypt, header + ",hash,salt,cost\n" + row(1) + ",not-a-bcrypt-hash," + testBcryptSalt + ",10\n",
			"users.csv line 2: passwordHash value: a BCRYPT value is 31 radix-64 characters"},
		{"bcrypt salt", constBcrypt, header + ",hash,salt,cost\n" + row(1) + "," + testBcryptValue + ",short,10\n",
			"users.csv line 2: passwordHash salt: a BCRYPT salt is 22 radix-64 characters"},
		{"sha value not base64", config.PasswordHash{Algorithm: val("SHA-256"), Value: col("hash")}, header + ",hash\n" + row(1) + ",%%%secret-hash%%%\n",
			"users.csv line 2: passwordHash value: not base64"},
		{"sha digest size", config.PasswordHash{Algorithm: val("SHA-512"), Value: col("hash")}, header + ",hash\n" + row(1) + "," + testSHA256 + "\n",
			"passwordHash value: a SHA-512 digest is 64 bytes; this one decodes to 32"},
		{"salt without order", config.PasswordHash{Algorithm: val("SHA-256"), Value: col("hash"), Salt: col("salt")}, header + ",hash,salt\n" + row(1) + "," + testSHA256 + "," + testSaltB64 + "\n",
			"passwordHash saltOrder: required with a salt"},
		{"pbkdf2 iterations", config.PasswordHash{Algorithm: val("PBKDF2"), Value: col("hash"), Salt: col("salt"), IterationCount: val("1000"), KeySize: val("32"), DigestAlgorithm: val("SHA512_HMAC")},
			header + ",hash,salt\n" + row(1) + "," + testSHA256 + "," + testSaltB64 + "\n", "passwordHash iterationCount: 1000 is below Okta's minimum of 4096"},
		{"pbkdf2 key size", config.PasswordHash{Algorithm: val("PBKDF2"), Value: col("hash"), Salt: col("salt"), IterationCount: val("4096"), KeySize: val("64"), DigestAlgorithm: val("SHA512_HMAC")},
			header + ",hash,salt\n" + row(1) + "," + testSHA256 + "," + testSaltB64 + "\n", "passwordHash keySize: 64 bytes, but the value decodes to 32"},
		{"pbkdf2 digest missing", config.PasswordHash{Algorithm: val("PBKDF2"), Value: col("hash"), Salt: col("salt"), IterationCount: val("4096"), KeySize: val("32")},
			header + ",hash,salt\n" + row(1) + "," + testSHA256 + "," + testSaltB64 + "\n", "passwordHash digestAlgorithm: required for PBKDF2"},
		{"unknown algorithm", config.PasswordHash{Algorithm: col("alg"), Value: col("hash")}, header + ",alg,hash\n" + row(1) + ",ARGON2," + testSHA256 + "\n",
			`passwordHash algorithm: want one of BCRYPT, SHA-512, SHA-256, SHA-1, MD5, PBKDF2, got "ARGON2"`},
		{"password and hash", config.PasswordHash{Algorithm: val("SHA-256"), Value: col("hash")}, header + ",password,hash\n" + row(1) + ",Secret-pw-1," + testSHA256 + "\n",
			"users.csv line 2: the row has both a password and a password hash; give one"},
		{"missing column", config.PasswordHash{Algorithm: val("SHA-256"), Value: col("pw_hash")}, header + "\n",
			`users.csv line 1: mapping.passwordHash.value: no column "pw_hash"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := readUsersFile(t, tc.input, hashOpt(tc.h))
			if err == nil {
				t.Fatal("read succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error:\n%v\nwant it to contain %q", err, tc.want)
			}
			for _, secret := range []string{testBcryptValue, testBcryptSalt, testSHA256, testSaltB64, "secret-hash", "Secret-pw-1"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error quotes hash material %q:\n%v", secret, err)
				}
			}
		})
	}
}

func TestPasswordHashColumnNeverAnAttribute(t *testing.T) {
	t.Parallel()
	h := config.PasswordHash{Algorithm: val("SHA-256"), Value: col("hash")}
	m := config.Mapping{Passthrough: true, PasswordHash: &h, Attributes: []config.AttributeMapping{{Attribute: "nickName", From: "hash"}}}
	_, err := readUsersFile(t, header+",hash\n"+row(1)+","+testSHA256+"\n", WithMapping(m))
	if err == nil || !strings.Contains(err.Error(), "part of the password hash") {
		t.Fatalf("a rule reading the hash column: err = %v", err)
	}
	m.Attributes = []config.AttributeMapping{{Attribute: "nickName", Template: "{{.hash}}"}}
	if _, err := readUsersFile(t, header+",hash\n"+row(1)+","+testSHA256+"\n", WithMapping(m)); err == nil {
		t.Fatal("a template reading the hash column was accepted")
	}
}

func TestPasswordHashPostgres(t *testing.T) {
	t.Parallel()
	u := pgSchema(t, `
CREATE TABLE people (login text, pw text, salt text, cost int);
INSERT INTO people VALUES ('a@x.com', '`+testBcryptValue+`', '`+testBcryptSalt+`', 11), ('b@x.com', NULL, NULL, NULL);
`)
	h := config.PasswordHash{Algorithm: val("BCRYPT"), Value: col("pw"), Salt: col("salt"), WorkFactor: col("cost")}
	src := NewPostgres(config.PostgresSource{
		URL:   u,
		Users: `SELECT login, login AS email, 'A' AS "firstName", 'B' AS "lastName", pw, salt, cost FROM people`,
	}, hashOpt(h))
	d, err := src.Read(context.Background())
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	want := map[string]*directory.PasswordHash{"a@x.com": {Algorithm: "BCRYPT", Value: testBcryptValue, Salt: testBcryptSalt, WorkFactor: 11}}
	if diff := cmp.Diff(want, d.Hashes); diff != "" {
		t.Errorf("hashes (-want +got):\n%s", diff)
	}
	if _, ok := d.Users["a@x.com"].Profile.Get("cost"); ok {
		t.Error("a hash column became an attribute")
	}
}
