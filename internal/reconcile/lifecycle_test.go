package reconcile

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oktasync/oktasync/internal/oktasim"
	"github.com/oktasync/oktasync/internal/state"
)

// withProfile returns u with extra profile attributes and a status.
func withProfile(u oktasim.SeedUser, status string, kv ...string) oktasim.SeedUser {
	u.Status = status
	for i := 0; i+1 < len(kv); i += 2 {
		u.Profile[kv[i]] = kv[i+1]
	}
	return u
}

// hasWarning reports whether a warning holds every one of parts.
func hasWarning(warnings []string, parts ...string) bool {
	return slices.ContainsFunc(warnings, func(w string) bool {
		for _, p := range parts {
			if !strings.Contains(w, p) {
				return false
			}
		}
		return true
	})
}

// Okta emails the activation link to every user created active without a
// password. With users.sendActivationEmail off (the default) a run sends
// no email: it creates such a user STAGED and activates it with
// sendEmail=false, as it activates a user found STAGED (a run stopped
// between the two). With it on, Okta emails exactly the users the plan
// says.
func TestNoEmailUnlessAsked(t *testing.T) {
	csv := "login,email,firstName,lastName,employeeType,password\n" +
		"new@example.com,new@example.com,N,Ew,hr,\n" +
		"pw@example.com,pw@example.com,P,W,hr,Sekr1t-Passw0rd!\n" +
		"staged@example.com,staged@example.com,S,Taged,hr,\n"
	for _, send := range []bool{false, true} {
		h := newHarness(t, oktasim.Options{}, oktasim.Seed{Users: []oktasim.SeedUser{
			withProfile(hrUser("staged@example.com"), "STAGED"),
		}}, csv)
		h.policy.SendActivationEmail = send
		rep, err := h.run(t, false)
		if err != nil {
			t.Fatalf("sendActivationEmail %v: %v", send, err)
		}
		wantEmails := map[string]int{}
		if send {
			wantEmails = map[string]int{"new@example.com": 1, "staged@example.com": 1}
		}
		st := h.sim.Stats()
		if st.Emails != len(wantEmails) || rep.Summary.Emails != len(wantEmails) {
			t.Errorf("sendActivationEmail %v: Okta sent %d emails (%v), the plan said %d; want %d",
				send, st.Emails, st.EmailsByLogin, rep.Summary.Emails, len(wantEmails))
		}
		for login, n := range wantEmails {
			if st.EmailsByLogin[login] != n {
				t.Errorf("sendActivationEmail %v: %s got %d emails, want %d", send, login, st.EmailsByLogin[login], n)
			}
		}
		for login, status := range map[string]string{"new@example.com": "PROVISIONED", "pw@example.com": "ACTIVE", "staged@example.com": "PROVISIONED"} {
			if u := h.user(t, login); u.Status != status {
				t.Errorf("sendActivationEmail %v: %s is %s, want %s", send, login, u.Status, status)
			}
		}
		again, err := h.run(t, true)
		if err != nil || again.Plan.HasChanges() {
			t.Errorf("sendActivationEmail %v: second plan: %v, %+v", send, err, again.Operations)
		}
	}
}

// A rehire is reactivated before its profile is updated; a user who stays
// DEPROVISIONED gets no profile update; a user whose profile another system
// masters is reported in words, its deactivation still applies, and the run
// does not fail, this time or the next.
func TestRehiresLeaversAndMasteredProfiles(t *testing.T) {
	ad := func(login string) oktasim.SeedUser {
		u := withProfile(hrUser(login), "", "title", "Old")
		u.ProfileMaster = "ActiveDirectory"
		return u
	}
	h := newHarness(t, oktasim.Options{RefuseDeprovisionedUpdates: true}, oktasim.Seed{Users: []oktasim.SeedUser{
		withProfile(hrUser("rehire@example.com"), "DEPROVISIONED", "title", "Old"),
		withProfile(hrUser("gone@example.com"), "DEPROVISIONED", "title", "Old"),
		ad("ad@example.com"),
		ad("adleaver@example.com"),
	}}, "login,email,firstName,lastName,employeeType,title,status\n"+
		"rehire@example.com,rehire@example.com,F,L,hr,New,\n"+
		"gone@example.com,gone@example.com,F,L,hr,New,DEPROVISIONED\n"+
		"ad@example.com,ad@example.com,F,L,hr,New,\n"+
		"adleaver@example.com,adleaver@example.com,F,L,hr,New,DEPROVISIONED\n")
	ctx := context.Background()

	rep, err := h.run(t, false)
	if got := Classify(ctx, err); err != nil || got.Status != state.RunSucceeded || got.ExitCode != ExitOK {
		t.Fatalf("first run: %v (%+v), want success; operations %+v", err, got, rep.Operations)
	}
	if rep.Mastered != 2 || rep.Failed != 0 || rep.Skipped != 0 {
		t.Errorf("first run: %d mastered, %d failed, %d skipped; want 2, 0, 0", rep.Mastered, rep.Failed, rep.Skipped)
	}
	if !hasWarning(rep.Warnings, "2 users' profiles are mastered by another system", "ad@example.com", "adleaver@example.com") {
		t.Errorf("no warning naming the mastered users: %q", rep.Warnings)
	}
	if !slices.Equal(rep.ApplyWarnings(), rep.Warnings[len(rep.Warnings)-1:]) {
		t.Errorf("apply warnings %q, want the last of %q", rep.ApplyWarnings(), rep.Warnings)
	}
	for _, op := range rep.Operations {
		if op.Login == "gone@example.com" {
			t.Errorf("a user who stays DEPROVISIONED got %s", op.Action)
		}
	}
	if u := h.user(t, "rehire@example.com"); u.Status != "ACTIVE" || u.Profile["title"] != "New" {
		t.Errorf("rehire: %s with title %v, want ACTIVE with New", u.Status, u.Profile["title"])
	}
	if u := h.user(t, "adleaver@example.com"); u.Status != "DEPROVISIONED" || u.Profile["title"] != "Old" {
		t.Errorf("mastered leaver: %s with title %v, want DEPROVISIONED with Old", u.Status, u.Profile["title"])
	}

	rep, err = h.run(t, false)
	if got := Classify(ctx, err); err != nil || got.Status != state.RunSucceeded {
		t.Fatalf("second run: %v (%+v), want success", err, got)
	}
	if rep.Mastered != 1 || len(rep.Operations) != 1 || !hasWarning(rep.ApplyWarnings(), "1 user's profile is mastered", "ad@example.com") {
		t.Errorf("second run: %d mastered of %+v, warnings %q; want the one update of ad@example.com", rep.Mastered, rep.Operations, rep.Warnings)
	}
}

// A user whose activation is still in flight is not planned again; an
// update Okta refuses while a rehire's reactivation settles is left pending
// for the next run, and the run does not fail.
func TestStatusChangesInFlight(t *testing.T) {
	h := newHarness(t, oktasim.Options{LifecycleDelay: time.Hour}, oktasim.Seed{Users: []oktasim.SeedUser{
		withProfile(hrUser("moving@example.com"), "STAGED"),
		withProfile(hrUser("rehire@example.com"), "DEPROVISIONED", "title", "Old"),
	}}, "login,email,firstName,lastName,employeeType,title\n"+
		"moving@example.com,moving@example.com,F,L,hr,New\n"+
		"rehire@example.com,rehire@example.com,F,L,hr,New\n")
	h.maxRetries = 0
	ctx := context.Background()
	if _, err := h.client(t).Users.Activate(ctx, h.user(t, "moving@example.com").ID, false); err != nil {
		t.Fatal(err)
	}

	rep, err := h.runner(t).Run(ctx, Options{PendingWait: -1})
	if got := Classify(ctx, err); err != nil || got.Status != state.RunSucceeded {
		t.Fatalf("run: %v (%+v), want success; operations %+v", err, got, rep.Operations)
	}
	var ops []string
	for _, op := range rep.Operations {
		ops = append(ops, op.Action.String()+" "+op.Login+" "+op.Status)
	}
	want := []string{"reactivate-user rehire@example.com applied", "update-user rehire@example.com pending"}
	if !slices.Equal(ops, want) {
		t.Errorf("operations %q, want %q", ops, want)
	}
	if rep.Pending != 1 || rep.Failed != 0 {
		t.Errorf("%d pending, %d failed; want 1, 0", rep.Pending, rep.Failed)
	}
	if !hasWarning(rep.Warnings, `user "moving@example.com" is changing status in Okta (STAGED to ACTIVE)`) ||
		!hasWarning(rep.ApplyWarnings(), "1 operation waits for Okta", "update-user rehire@example.com") {
		t.Errorf("warnings %q", rep.Warnings)
	}

	rep, err = h.run(t, true)
	if err != nil || rep.Plan.HasChanges() || !hasWarning(rep.Warnings, `user "rehire@example.com" is changing status in Okta (DEPROVISIONED to ACTIVE)`) {
		t.Errorf("second plan: %v, %+v, warnings %q; want nothing planned while the reactivation settles", err, rep.Operations, rep.Warnings)
	}
}

func TestCountedNamesTheFirstFew(t *testing.T) {
	t.Parallel()
	var names []string
	for i := range 12 {
		names = append(names, fmt.Sprintf("u%02d", 11-i))
	}
	got := counted(names, "user is", "users are", "late")
	want := "12 users are late: u00, u01, u02, u03, u04, u05, u06, u07, u08, u09 and 2 more"
	if got != want {
		t.Errorf("counted = %q, want %q", got, want)
	}
	if got := counted([]string{"a"}, "user is", "users are", "late"); got != "1 user is late: a" {
		t.Errorf("counted one = %q", got)
	}
}
