package diff

import (
	"fmt"
	"strings"
	"testing"
)

// TestOutOfScopeSummarised: source users that exist in Okta outside the
// scope give one warning naming a few, the plan lists all of them, and a
// plan without changes does not claim that Okta matches the source.
func TestOutOfScopeSummarised(t *testing.T) {
	t.Parallel()
	f := newFixture()
	for i := range 50 {
		l := fmt.Sprintf("u%02d@x.com", i)
		f.want(l, "").have(l, "ACTIVE", false)
	}
	f.want("in@x.com", "").have("in@x.com", "ACTIVE", true)
	p := mustCompute(t, f.input())
	if len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], `50 source users exist in Okta outside scope.users and are left alone`) ||
		!strings.Contains(p.Warnings[0], `"u00@x.com", "u01@x.com", "u02@x.com" and 47 more`) {
		t.Errorf("warnings: %q", p.Warnings)
	}
	if len(p.OutOfScope) != 50 || p.OutOfScope[49] != "u49@x.com" || p.Summary.Users.OutOfScope != 50 || p.LeftAlone != 50 {
		t.Errorf("OutOfScope %d (last %q), summary %d, left alone %d; want all 50", len(p.OutOfScope), p.OutOfScope[len(p.OutOfScope)-1], p.Summary.Users.OutOfScope, p.LeftAlone)
	}
	var out strings.Builder
	if err := RenderText(&out, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	if strings.Contains(text, "Okta matches") || !strings.Contains(text, "No changes to apply, but 50 source users are left alone") {
		t.Errorf("the plan text:\n%s", text)
	}
	if n := strings.Count(text, "@x.com"); n != 3 {
		t.Errorf("the plan text names %d users, want 3:\n%s", n, text)
	}

	g := newFixture()
	g.want("in@x.com", "").have("in@x.com", "ACTIVE", true)
	out.Reset()
	if err := RenderText(&out, mustCompute(t, g.input()), RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "No changes. Okta matches the source within oktasync's scope.") {
		t.Errorf("a plan with nothing left alone:\n%s", out.String())
	}
}
