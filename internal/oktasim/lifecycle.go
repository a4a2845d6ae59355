package oktasim

import (
	"net/http"
	"time"
)

func (s *Server) handleDeleteUser(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("id")
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.lookupUser(key)
	if u == nil {
		notFound(w, r, "User", key)
		return
	}
	if u.status != statusDeprovisioned {
		s.setStatus(u, statusDeprovisioned, now)
		s.emit(r, "user.lifecycle.deactivate", "Deactivate Okta user", userTarget(u))
	} else {
		s.emit(r, "user.lifecycle.delete.initiated", "Delete Okta user", userTarget(u))
		s.removeUser(u, now)
		s.emit(r, "user.lifecycle.delete.completed", "Delete Okta user completed", userTarget(u))
	}
	w.WriteHeader(http.StatusNoContent)
}

// startActivation marks u as being activated, when activations take time.
// Call with s.mu held.
func (s *Server) startActivation(u *user, now time.Time) {
	if d := s.opts.ActivationDelay; d > 0 {
		u.transitionTo = statusActive
		u.transitionUntil = now.Add(d)
	}
}

// activating reports whether u is still being activated. Call with s.mu
// held.
func (s *Server) activating(u *user, now time.Time) bool {
	return u.transitionTo != "" && now.Before(u.transitionUntil)
}

// setStatus moves u to status. Call with s.mu held.
func (s *Server) setStatus(u *user, status string, now time.Time) {
	s.touch(u, now)
	u.status = status
	u.statusChanged = now
	u.lastUpdated = now
	if status == statusActive && u.activated.IsZero() {
		u.activated = now
	}
}

// lifecycleHandler serves POST /api/v1/users/{id}/lifecycle/<op>.
func (s *Server) lifecycleHandler(op string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sendEmailDefault := op == "activate"
		sendEmail, ok := parseBoolParam(w, r, "sendEmail", sendEmailDefault)
		if !ok {
			return
		}
		key := r.PathValue("id")
		now := s.now()
		base := baseURL(r)
		s.mu.Lock()
		defer s.mu.Unlock()
		u := s.lookupUser(key)
		if u == nil {
			notFound(w, r, "User", key)
			return
		}
		switch op {
		case "activate":
			if u.status != statusStaged && u.status != statusDeprovisioned {
				writeError(w, r, http.StatusForbidden, "E0000016", "Activation failed because the user is already active")
				return
			}
			if u.hasPassword {
				s.setStatus(u, statusActive, now)
				u.activated = now
			} else {
				s.setStatus(u, statusProvisioned, now)
			}
			s.startActivation(u, now)
			s.emit(r, "user.lifecycle.activate", "Activate Okta user", userTarget(u))
			writeActivation(w, base, sendEmail)
		case "reactivate":
			if u.status != statusProvisioned && u.status != statusRecovery {
				notAllowedInStatus(w, r)
				return
			}
			s.setStatus(u, statusProvisioned, now)
			s.emit(r, "user.lifecycle.reactivate", "Reactivate Okta user", userTarget(u))
			writeActivation(w, base, sendEmail)
		case "deactivate":
			if u.status == statusDeprovisioned {
				notAllowedInStatus(w, r)
				return
			}
			s.setStatus(u, statusDeprovisioned, now)
			s.emit(r, "user.lifecycle.deactivate", "Deactivate Okta user", userTarget(u))
			w.WriteHeader(http.StatusOK)
		case "suspend":
			if u.status != statusActive {
				validationFailed(w, r, "status", "status: Cannot suspend a user that is not active")
				return
			}
			s.setStatus(u, statusSuspended, now)
			s.emit(r, "user.lifecycle.suspend", "Suspend Okta user", userTarget(u))
			w.WriteHeader(http.StatusOK)
		case "unsuspend":
			if u.status != statusSuspended {
				validationFailed(w, r, "status", "status: Cannot unsuspend a user that is not suspended")
				return
			}
			s.setStatus(u, statusActive, now)
			s.emit(r, "user.lifecycle.unsuspend", "Unsuspend Okta user", userTarget(u))
			w.WriteHeader(http.StatusOK)
		case "unlock":
			if u.status != statusLockedOut {
				notAllowedInStatus(w, r)
				return
			}
			s.setStatus(u, statusActive, now)
			s.emit(r, "user.account.unlock", "Unlock user account", userTarget(u))
			w.WriteHeader(http.StatusOK)
		}
	}
}

// writeActivation answers an activation: with sendEmail an empty object,
// otherwise an activation token and URL.
func writeActivation(w http.ResponseWriter, base string, sendEmail bool) {
	if sendEmail {
		writeJSON(w, http.StatusOK, struct{}{})
		return
	}
	tok := randomID(20)
	writeJSON(w, http.StatusOK, map[string]string{
		"activationToken": tok,
		"activationUrl":   base + "/welcome/" + tok,
	})
}
