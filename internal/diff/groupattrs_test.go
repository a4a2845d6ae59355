package diff

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oktasync/oktasync/internal/directory"
)

// attrsFixture has a source group Eng (description and two custom
// attributes) that exists in Okta with other values, and a new group Ops.
func attrsFixture() *fixture {
	f := newFixture()
	f.want("a@x.com", "").have("a@x.com", "ACTIVE", true)
	f.wantGroup("Eng", "a@x.com").haveGroup("Eng", "OKTA_GROUP", "a@x.com")
	dg := f.desired.Groups["eng"]
	dg.Description, dg.HasDescription = "Engineers", true
	dg.Attrs = directory.Profile{"costCode": "CC-2", "floor": int64(3)}
	cg := f.current.Groups["eng"]
	cg.Description = "Eng"
	// Okta's JSON numbers are float64; other attributes stay unmanaged.
	cg.Attrs = directory.Profile{"costCode": "CC-1", "floor": 3.0, "owner": "ann"}
	f.wantGroup("Ops", "a@x.com")
	f.desired.Groups["ops"].Attrs = directory.Profile{"costCode": "CC-7"}
	return f
}

func TestGroupAttributesPlanned(t *testing.T) {
	t.Parallel()
	p := mustCompute(t, attrsFixture().input())
	var create, update *Operation
	for i := range p.Operations {
		switch op := &p.Operations[i]; op.Action {
		case CreateGroup:
			create = op
		case UpdateGroup:
			update = op
		}
	}
	if update == nil || create == nil {
		t.Fatalf("want a group create and update, got %v", brief(p))
	}
	wantChanges := []Change{{"description", "Eng", "Engineers"}, {"costCode", "CC-1", "CC-2"}}
	if diff := cmp.Diff(wantChanges, update.Changes); diff != "" {
		t.Errorf("update changes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(directory.Profile{"costCode": "CC-2"}, update.Attributes); diff != "" {
		t.Errorf("update attributes (-want +got):\n%s", diff)
	}
	if update.Description != "Engineers" {
		t.Errorf("update description = %q", update.Description)
	}
	if diff := cmp.Diff(directory.Profile{"costCode": "CC-7"}, create.Attributes); diff != "" {
		t.Errorf("create attributes (-want +got):\n%s", diff)
	}
	var text bytes.Buffer
	if err := RenderText(&text, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"~ update group \"Eng\"\n    description: \"Eng\" → \"Engineers\"\n    costCode: \"CC-1\" → \"CC-2\"\n",
		"+ create group \"Ops\"\n    costCode: \"CC-7\"\n"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the plan lacks %q:\n%s", want, text.String())
		}
	}

	// Only an attribute change: the description is left as it is.
	f := attrsFixture()
	f.desired.Groups["eng"].HasDescription = false
	f.desired.Groups["eng"].Attrs = directory.Profile{"floor": int64(4)}
	for _, op := range mustCompute(t, f.input()).Operations {
		if op.Action == UpdateGroup && (op.Description != "" || len(op.Changes) != 1) {
			t.Errorf("attribute-only update: %+v", op)
		}
	}
	// Equal values: no update.
	f = attrsFixture()
	f.desired.Groups["eng"].Description = "Eng"
	f.desired.Groups["eng"].Attrs = directory.Profile{"costCode": "CC-1", "floor": int64(3)}
	for _, op := range mustCompute(t, f.input()).Operations {
		if op.Action == UpdateGroup {
			t.Errorf("an update of equal values was planned: %+v", op)
		}
	}
}

func TestGroupAttributeConflict(t *testing.T) {
	t.Parallel()
	f := attrsFixture()
	p := mustCompute(t, f.input())
	saved := NewSavedPlan(p, f.current, "c", "s", now)
	if c := CheckConflicts(saved, f.current, f.membersRead); len(c) != 0 {
		t.Fatalf("conflicts in an unchanged org: %v", c)
	}
	f.current.Groups["eng"].Attrs["costCode"] = "CC-X"
	c := CheckConflicts(saved, f.current, f.membersRead)
	if len(c) != 1 || !strings.Contains(c[0].Reason, `costCode is "CC-X"; the plan saw "CC-1"`) {
		t.Errorf("conflicts = %v", c)
	}
}

func TestImportedPasswordCreate(t *testing.T) {
	t.Parallel()
	const secret = "qaXYZsecretHashValue0123456789."
	f := newFixture()
	f.policy.SendActivationEmail = false
	f.want("h@x.com", "").want("n@x.com", "")
	f.desired.SetPasswordHash("h@x.com", &directory.PasswordHash{Algorithm: "BCRYPT", Value: secret, Salt: "s", WorkFactor: 10})
	p := mustCompute(t, f.input())
	if diff := cmp.Diff([]string{"1 create-user h@x.com", "2 create-user n@x.com", "3 activate-user n@x.com"}, brief(p)); diff != "" {
		t.Fatalf("plan (-want +got):\n%s", diff)
	}
	h := p.Operations[0]
	if !h.Activate || h.SendEmail || !h.ImportedPassword || h.PasswordHash == nil {
		t.Errorf("hashed create: activate %v, sendEmail %v, imported %v, hash set %v; want an active create, no email, the hash",
			h.Activate, h.SendEmail, h.ImportedPassword, h.PasswordHash != nil)
	}
	if p.Summary.Emails != 0 {
		t.Errorf("emails = %d", p.Summary.Emails)
	}
	var text bytes.Buffer
	if err := RenderText(&text, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "+ create user h@x.com (with imported password)\n") {
		t.Errorf("the plan does not say the password is imported:\n%s", text.String())
	}
	saved, err := json.Marshal(NewSavedPlan(p, f.current, "c", SourceDigest(f.desired), now))
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "JSON": string(planJSON(t, p)), "saved plan": string(saved)} {
		if strings.Contains(out, secret) || strings.Contains(out, "BCRYPT") {
			t.Errorf("the %s rendering shows the hash:\n%s", name, out)
		}
	}
	// A saved plan gets the hash back from the source.
	var back SavedPlan
	if err := json.Unmarshal(saved, &back); err != nil {
		t.Fatal(err)
	}
	if back.Plan.Operations[0].PasswordHash != nil || !back.Plan.Operations[0].ImportedPassword {
		t.Fatal("the saved plan holds the hash, or lost the flag")
	}
	back.RestorePasswords(f.desired)
	if back.Plan.Operations[0].PasswordHash == nil || back.Plan.Operations[0].PasswordHash.Value != secret {
		t.Error("RestorePasswords did not restore the hash")
	}
	// A STAGED user the source gives a hash is activated without email,
	// even where activation emails are on.
	f = newFixture()
	f.policy.SendActivationEmail = true
	f.want("h@x.com", "").have("h@x.com", "STAGED", true)
	f.desired.SetPasswordHash("h@x.com", &directory.PasswordHash{Algorithm: "SHA-1", Value: "x"})
	for _, op := range mustCompute(t, f.input()).Operations {
		if op.Action == ActivateUser && op.SendEmail {
			t.Error("the activation of a user with an imported password sends an email")
		}
	}
}

func TestSourceDigestHashesAndGroupAttributes(t *testing.T) {
	t.Parallel()
	base := func() *directory.Directory {
		f := newFixture()
		f.want("a@x.com", "").wantGroup("Eng", "a@x.com")
		return f.desired
	}
	d0 := SourceDigest(base())
	d := base()
	d.SetPasswordHash("a@x.com", &directory.PasswordHash{Algorithm: "SHA-1", Value: "one"})
	withHash := SourceDigest(d)
	if withHash == d0 {
		t.Error("a hash appearing leaves the digest unchanged; a saved plan could then be applied without the hash it promised")
	}
	d.Hashes["a@x.com"].Value = "two"
	if SourceDigest(d) != withHash {
		t.Error("the digest depends on the hash's value")
	}
	d = base()
	d.Groups["eng"].Attrs = directory.Profile{"costCode": "A"}
	if SourceDigest(d) == d0 {
		t.Error("a group attribute leaves the digest unchanged")
	}
}
