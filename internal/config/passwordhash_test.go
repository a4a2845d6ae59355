package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPasswordHashLoads(t *testing.T) {
	t.Parallel()
	l, root := setup(t, map[string]string{"HASH_COL": "pw_hash"})
	path := writeFile(t, filepath.Join(root, "oktasync.yaml"), minimal+`
mapping:
  passwordHash:
    algorithm: {value: BCRYPT}
    value: ${HASH_COL}
    salt: {from: pw_salt}
    workFactor: {value: "12"}
`, 0o600)
	c, err := l.load(path)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	h := c.Mapping.PasswordHash
	if h == nil {
		t.Fatal("no passwordHash")
	}
	got := []HashPart{h.Algorithm, h.Value, h.Salt, h.WorkFactor, h.SaltOrder}
	for i := range got {
		got[i].Where = ""
	}
	want := []HashPart{{Value: "BCRYPT", HasValue: true}, {From: "pw_hash"}, {From: "pw_salt"}, {Value: "12", HasValue: true}, {}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"pw_hash", "pw_salt"}, h.Columns()); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
}

func TestPasswordHashErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, yaml, field, want string }{
		{"no algorithm", "  passwordHash:\n    value: h\n", "mapping.passwordHash.algorithm", "required"},
		{"no value", "  passwordHash:\n    algorithm: {value: MD5}\n", "mapping.passwordHash.value", "required"},
		{"constant value", "  passwordHash:\n    algorithm: {value: MD5}\n    value: {value: abc}\n", "mapping.passwordHash.value", "one constant hash would give every user the same password"},
		{"algorithm misspelt", "  passwordHash:\n    algorithm: {value: BCRYT}\n    value: h\n", "mapping.passwordHash.algorithm", "did you mean BCRYPT?"},
		{"constant written as a column", "  passwordHash:\n    algorithm: BCRYPT\n    value: h\n", "mapping.passwordHash.algorithm", `"BCRYPT" names a column; for the constant write {value: BCRYPT}`},
		{"number written as a column", "  passwordHash:\n    algorithm: {value: BCRYPT}\n    value: h\n    workFactor: 10\n", "mapping.passwordHash.workFactor", "{value: 10}"},
		{"not a number", "  passwordHash:\n    algorithm: {value: PBKDF2}\n    value: h\n    keySize: {value: big}\n", "mapping.passwordHash.keySize", "want a whole number"},
		{"unknown key", "  passwordHash:\n    algorithm: {value: MD5}\n    value: h\n    rounds: 3\n", "mapping.passwordHash.rounds", "unknown key"},
		{"reserved column", "  passwordHash:\n    algorithm: {value: MD5}\n    value: password\n", "mapping.passwordHash.value", "has its own meaning"},
		{"hash column copied", "  attributes:\n    nickName: h\n  passwordHash:\n    algorithm: {value: MD5}\n    value: h\n", "mapping.passwordHash", "never copied into a profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, root := setup(t, nil)
			path := writeFile(t, filepath.Join(root, "oktasync.yaml"), minimal+"\nmapping:\n"+tt.yaml, 0o600)
			_, err := l.load(path)
			if err == nil {
				t.Fatal("load succeeded")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid: %v", err)
			}
			if !strings.Contains(err.Error(), tt.field) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n%v\nwant field %s and %q", err, tt.field, tt.want)
			}
		})
	}
}
