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
	if n := len(mastered); n > 0 {
		whose := "users' profiles are"
		if n == 1 {
			whose = "user's profile is"
		}
		warns = append(warns, fmt.Sprintf("%d %s mastered by another system (Okta refused the update: 403 E0000023); "+
			"their profile updates were skipped, their other changes applied: %s", n, whose, named(mastered)))
	}
	if n := len(pending); n > 0 {
		ops := "operations wait"
		if n == 1 {
			ops = "operation waits"
		}
		warns = append(warns, fmt.Sprintf("%d %s for Okta to finish changing a user's status (409 E0000112) "+
			"and are left for the next run: %s", n, ops, named(pending)))
	}
	rep.Warnings = append(slices.Clip(rep.Warnings), warns...)
	rep.applyWarnings = len(warns)
}

// named lists the first maxNamed of names, sorted, and how many more there
// are.
func named(names []string) string {
	slices.Sort(names)
	if len(names) <= maxNamed {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:maxNamed], ", "), len(names)-maxNamed)
}
