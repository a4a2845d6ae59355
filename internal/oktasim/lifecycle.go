package oktasim

import (
	"net/http"
	"strings"
	"time"
)

// lock takes s.mu and first settles the lifecycle changes whose delay has
// passed, so that whoever holds the lock sees the org as it is now.
func (s *Server) lock() {
	s.mu.Lock()
	s.settleDue(s.now())
}

// settleDue completes the lifecycle changes due by now. Call with s.mu held.
func (s *Server) settleDue(now time.Time) {
	for id := range s.inTransition {
		u := s.users[id]
		if u == nil {
			delete(s.inTransition, id)
			continue
		}
		if !now.Before(u.transitionUntil) {
			s.settle(u)
		}
	}
}

// settle completes u's lifecycle change, as of the end of its delay. Call
// with s.mu held.
func (s *Server) settle(u *user) {
	at, to, activation := u.transitionUntil, u.settleTo, u.transitionTo == statusActive
	delete(s.inTransition, u.id)
	u.transitionTo, u.settleTo, u.transitionUntil = "", "", time.Time{}
	s.setStatus(u, to, at)
	if activation && to == statusActive {
		u.activated = at
	}
}

// moveTo changes u's status to status: at once, or with a lifecycle delay
// after it, showing transitioningToStatus shown meanwhile. Call with s.mu
// held.
func (s *Server) moveTo(u *user, status, shown string, now time.Time) {
	d := s.opts.LifecycleDelay
	if d <= 0 {
		s.setStatus(u, status, now)
		if shown == statusActive && status == statusActive {
			u.activated = now
		}
		return
	}
	s.touch(u, now)
	u.transitionTo, u.settleTo, u.transitionUntil = shown, status, now.Add(d)
	u.lastUpdated = now
	s.inTransition[u.id] = struct{}{}
}

// transitioning reports whether u has a lifecycle change in flight. Call
// with s.mu held, after settleDue (lock does it).
func (s *Server) transitioning(u *user) bool { return u.settleTo != "" }

// stillTransitioning answers 409 E0000112 for a user whose lifecycle change
// is in flight.
func stillTransitioning(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, http.StatusConflict, "E0000112",
		"Unable to update this user at this time, the user is still being activated. Please try again later.")
}

// setStatus moves u to status. Call with s.mu held.
func (s *Server) setStatus(u *user, status string, now time.Time) {
	s.touch(u, now)
	u.status = status
	u.statusChanged = now
	u.lastUpdated = now
	if status == statusDeprovisioned {
		s.dropUserApps(u) // deactivation drops direct app assignments
	}
	if status == statusActive && u.activated.IsZero() {
		u.activated = now
	}
}

// sendEmail counts an email Okta would send u. Call with s.mu held.
func (s *Server) sendEmail(u *user) { s.stats.email(u.login()) }

// changeableUser finds the user the request's path names, for a lifecycle
// call or an update. It answers 404 E0000007 for an unknown user and 409
// E0000112 for one with a lifecycle change in flight, and returns nil then.
// Call with s.mu held, after settleDue (lock does it).
func (s *Server) changeableUser(w http.ResponseWriter, r *http.Request) *user {
	key := r.PathValue("id")
	u := s.lookupUser(key)
	switch {
	case u == nil:
		notFound(w, r, "User", key)
	case s.transitioning(u):
		stillTransitioning(w, r)
	default:
		return u
	}
	return nil
}

func (s *Server) handleDeleteUser(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	s.lock()
	defer s.mu.Unlock()
	u := s.changeableUser(w, r)
	if u == nil {
		return
	}
	if u.status != statusDeprovisioned {
		s.moveTo(u, statusDeprovisioned, statusDeprovisioned, now)
		s.emit(r, "user.lifecycle.deactivate", "Deactivate Okta user", userTarget(u))
	} else {
		s.emit(r, "user.lifecycle.delete.initiated", "Delete Okta user", userTarget(u))
		s.removeUser(u, now)
		s.emit(r, "user.lifecycle.delete.completed", "Delete Okta user completed", userTarget(u))
	}
	w.WriteHeader(http.StatusNoContent)
}

// lifecycleHandler serves POST /api/v1/users/{id}/lifecycle/<op>.
func (s *Server) lifecycleHandler(op string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sendEmail, ok := parseBoolParam(w, r, "sendEmail", op == "activate")
		if !ok {
			return
		}
		now := s.now()
		s.lock()
		defer s.mu.Unlock()
		u := s.changeableUser(w, r)
		if u == nil {
			return
		}
		switch op {
		case "activate", "reactivate", "deactivate":
			s.changeActivation(w, r, op, u, sendEmail, now)
		default:
			s.changeAccess(w, r, op, u, now)
		}
	}
}

// changeActivation carries out activate, reactivate and deactivate, which
// may take time (Options.LifecycleDelay) and may send the user an email.
// Call with s.mu held.
func (s *Server) changeActivation(w http.ResponseWriter, r *http.Request, op string, u *user, sendEmail bool, now time.Time) {
	switch op {
	case "activate":
		if u.status != statusStaged && u.status != statusDeprovisioned {
			writeError(w, r, http.StatusForbidden, "E0000016", "Activation failed because the user is already active")
			return
		}
		to := statusProvisioned
		if u.hasPassword {
			to = statusActive
		}
		s.moveTo(u, to, statusActive, now)
		s.emit(r, "user.lifecycle.activate", "Activate Okta user", userTarget(u))
	case "reactivate":
		if u.status != statusProvisioned && u.status != statusRecovery {
			notAllowedInStatus(w, r)
			return
		}
		s.moveTo(u, statusProvisioned, statusProvisioned, now)
		s.emit(r, "user.lifecycle.reactivate", "Reactivate Okta user", userTarget(u))
	case "deactivate":
		if u.status == statusDeprovisioned {
			notAllowedInStatus(w, r)
			return
		}
		s.moveTo(u, statusDeprovisioned, statusDeprovisioned, now)
		s.emit(r, "user.lifecycle.deactivate", "Deactivate Okta user", userTarget(u))
	}
	if sendEmail {
		s.sendEmail(u)
	}
	if op == "deactivate" {
		w.WriteHeader(http.StatusOK)
		return
	}
	writeActivation(w, baseURL(r), sendEmail)
}

// accessChanges are the lifecycle calls that take effect at once: the
// status each needs, the status it gives, and its System Log event. A
// PROVISIONED user (activated without a password) is not ACTIVE and cannot
// be suspended.
var accessChanges = map[string]struct{ from, to, event, message string }{
	"suspend":   {statusActive, statusSuspended, "user.lifecycle.suspend", "Suspend Okta user"},
	"unsuspend": {statusSuspended, statusActive, "user.lifecycle.unsuspend", "Unsuspend Okta user"},
	"unlock":    {statusLockedOut, statusActive, "user.account.unlock", "Unlock user account"},
}

// changeAccess carries out suspend, unsuspend and unlock. Call with s.mu
// held.
func (s *Server) changeAccess(w http.ResponseWriter, r *http.Request, op string, u *user, now time.Time) {
	c := accessChanges[op]
	switch {
	case u.status == c.from:
		s.setStatus(u, c.to, now)
		s.emit(r, c.event, c.message, userTarget(u))
		w.WriteHeader(http.StatusOK)
	case op == "unlock":
		notAllowedInStatus(w, r)
	default:
		validationFailed(w, r, "status", "status: Cannot "+op+" a user that is not "+strings.ToLower(c.from))
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
