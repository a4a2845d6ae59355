package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/oktasync/oktasync/internal/state"
)

// ActionResult is the JSON answer of an action.
type ActionResult struct {
	OK      bool      `json:"ok"`
	Message string    `json:"message"`
	Held    *HeldView `json:"held,omitempty"`
}

// action serves a POST that acts: it checks the credential, runs do with
// who acted, and answers JSON, or sends a form back where it came from.
func (s *Server) action(do func(r *http.Request, who string) (ActionResult, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		who, ok := s.authorize(w, r)
		if !ok {
			return
		}
		res, err := do(r, who)
		if err != nil {
			code, msg := s.errorCode(r, err)
			s.refuse(w, r, code, msg)
			return
		}
		res.OK = true
		s.log.Info("status page action", "path", r.URL.Path, "by", who, "result", res.Message)
		if isForm(r) {
			http.Redirect(w, r, backTo(r.PostFormValue("back"), res.Message), http.StatusSeeOther)
			return
		}
		writeJSON(w, http.StatusOK, res)
	}
}

// backTo returns the local page a form came from, with a notice; "/" when
// back is not a local path.
func backTo(back, notice string) string {
	u, err := url.Parse(back)
	if err != nil || !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || u.Host != "" || u.Scheme != "" {
		u = &url.URL{Path: "/"}
	}
	q := u.Query()
	q.Set("done", notice)
	u.RawQuery = q.Encode()
	return u.RequestURI()
}

func (s *Server) runNow(_ *http.Request, _ string) (ActionResult, error) {
	if err := s.cfg.Control.RunNow(); errors.Is(err, ErrBusy) {
		return ActionResult{}, &httpError{http.StatusConflict, "a sync is already running; try again when it has finished"}
	} else if err != nil {
		return ActionResult{}, fmt.Errorf("start a sync: %w", err)
	}
	return ActionResult{Message: "A sync has started."}, nil
}

func (s *Server) pause(r *http.Request, who string) (ActionResult, error) {
	if err := s.cfg.Store.SetPaused(r.Context(), s.cfg.Org, true, who); err != nil {
		return ActionResult{}, err
	}
	return ActionResult{Message: "The schedule is paused: no scheduled sync runs until it is resumed."}, nil
}

func (s *Server) resume(r *http.Request, _ string) (ActionResult, error) {
	if err := s.cfg.Store.SetPaused(r.Context(), s.cfg.Org, false, ""); err != nil {
		return ActionResult{}, err
	}
	return ActionResult{Message: "The schedule is resumed."}, nil
}

func (s *Server) approve(r *http.Request, who string) (ActionResult, error) {
	id, err := pathID(r)
	if err != nil {
		return ActionResult{}, err
	}
	if h, err := s.cfg.Store.HeldPlan(r.Context(), id); errors.Is(err, state.ErrNoHeldPlan) || (err == nil && h.Org != s.cfg.Org) {
		return ActionResult{}, notFound("no held plan %d", id)
	} else if err != nil {
		return ActionResult{}, err
	}
	h, err := s.cfg.Store.ApproveHeldPlan(r.Context(), id, who)
	if errors.Is(err, state.ErrNotPending) {
		return ActionResult{}, &httpError{http.StatusConflict, fmt.Sprintf("held plan %d is %s, not waiting for approval", id, h.Status)}
	}
	if err != nil {
		return ActionResult{}, err
	}
	hv := heldView(h)
	return ActionResult{Held: &hv, Message: fmt.Sprintf("Held plan %d approved: the next sync may make %d deactivations and %d membership removals.",
		id, h.Deactivations, h.Removals)}, nil
}
