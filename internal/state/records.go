package state

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ErrNoRun is wrapped when a run id names no recorded run.
var ErrNoRun = errors.New("no such run")

// ErrNoHeldPlan is wrapped when an id names no held plan.
var ErrNoHeldPlan = errors.New("no such held plan")

// ErrNotPending is wrapped when a held plan to approve is not pending.
var ErrNotPending = errors.New("the held plan is not waiting for approval")

// interruptedMessage is the error recorded on a run found still running
// when run id began.
func interruptedMessage(id int64) string {
	return fmt.Sprintf("run ended without finishing; marked interrupted when run %d began", id)
}

// encodeCounts renders a run's counts as a JSON object.
func encodeCounts(m map[string]int) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode counts: %w", err)
	}
	return string(b), nil
}

// decodeCounts reads an encodeCounts value.
func decodeCounts(b []byte) (map[string]int, error) {
	m := make(map[string]int)
	if len(b) == 0 {
		return m, nil
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode counts: %w", err)
	}
	return m, nil
}
