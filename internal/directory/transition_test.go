package directory

import "testing"

func TestStatusInTransition(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status, to string
		want       string
		moving     bool
	}{
		{"ACTIVE", "", "ACTIVE", false},
		{"STAGED", "ACTIVE", "STAGED->ACTIVE", true},
		{"ACTIVE", "DEPROVISIONED", "ACTIVE->DEPROVISIONED", true},
	}
	for _, tt := range tests {
		u := &User{Status: StatusInTransition(tt.status, tt.to)}
		if u.Status != tt.want {
			t.Errorf("StatusInTransition(%q, %q) = %q, want %q", tt.status, tt.to, u.Status, tt.want)
		}
		from, to, ok := u.Transition()
		if ok != tt.moving || (ok && (from != tt.status || to != tt.to)) {
			t.Errorf("Transition of %q = %q, %q, %v", u.Status, from, to, ok)
		}
	}
}
