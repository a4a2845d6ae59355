package reconcile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/oktasync/oktasync/internal/state"
)

// maxNamed is how many users or operations one outcome warning names.
const maxNamed = 10

// warnOutcomes adds to the report's warnings, once per run, what apply
// neither applied nor failed: the users whose profiles another system
// masters, and the operations left for the next run because Okta was
// still changing a user's status.
func (rep *Report) warnOutcomes() {
	var mastered, pending []string
	for _, op := range rep.Operations {
		switch op.Status {
		case state.OpMastered:
			mastered = append(mastered, op.Login)
		case state.OpPending:
			pending = append(pending, op.Action.String()+" "+op.Login)
		}
	}
	var warns []string
	if len(mastered) > 0 {
		warns = append(warns, counted(mastered, "user's profile is", "users' profiles are",
			"mastered by another system (Okta refused the update: 403 E0000023); profile updates skipped, other changes applied"))
	}
	if len(pending) > 0 {
		warns = append(warns, counted(pending, "operation waits", "operations wait",
			"for Okta to finish changing a user's status (409 E0000112); left for the next run"))
	}
	rep.Warnings = append(slices.Clip(rep.Warnings), warns...)
	rep.applyWarnings = len(warns)
}

// counted says "N <one or many> <rest>: name, name, …", naming the first
// maxNamed of names, sorted, and how many more there are.
func counted(names []string, one, many, rest string) string {
	what := many
	if len(names) == 1 {
		what = one
	}
	slices.Sort(names)
	list := strings.Join(names, ", ")
	if len(names) > maxNamed {
		list = fmt.Sprintf("%s and %d more", strings.Join(names[:maxNamed], ", "), len(names)-maxNamed)
	}
	return fmt.Sprintf("%d %s %s: %s", len(names), what, rest, list)
}
