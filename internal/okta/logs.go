package okta

import (
	"context"
	"iter"
	"time"
)

// LogsService reads the System Log (/api/v1/logs).
type LogsService service

// LogEvent is one System Log event.
type LogEvent struct {
	UUID            string         `json:"uuid"`
	Published       *time.Time     `json:"published,omitempty"`
	EventType       string         `json:"eventType"`
	Version         string         `json:"version,omitempty"`
	Severity        string         `json:"severity,omitempty"`
	DisplayMessage  string         `json:"displayMessage,omitempty"`
	LegacyEventType string         `json:"legacyEventType,omitempty"`
	Actor           *LogActor      `json:"actor,omitempty"`
	Target          []*LogTarget   `json:"target,omitempty"`
	Outcome         *LogOutcome    `json:"outcome,omitempty"`
	Transaction     map[string]any `json:"transaction,omitempty"`
	DebugContext    map[string]any `json:"debugContext,omitempty"`
}

// LogActor is who acted.
type LogActor struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	AlternateID string `json:"alternateId,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
}

// LogTarget is what was acted on (a User, a UserGroup, …).
type LogTarget struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	AlternateID string `json:"alternateId,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
}

// LogOutcome is an event's result.
type LogOutcome struct {
	Result string `json:"result"`
	Reason string `json:"reason,omitempty"`
}

// LogListOptions select System Log events. Without Until the query is a
// polling query: Okta always gives a next link, and List stops at the first
// empty page.
type LogListOptions struct {
	Since     time.Time
	Until     time.Time
	Filter    string
	Q         string
	Limit     int
	SortOrder string // ASCENDING (default at Okta) or DESCENDING
}

const logTimeFormat = "2006-01-02T15:04:05.000Z"

func (o *LogListOptions) path() string {
	q := query{}
	if o != nil {
		if !o.Since.IsZero() {
			q.str("since", o.Since.UTC().Format(logTimeFormat))
		}
		if !o.Until.IsZero() {
			q.str("until", o.Until.UTC().Format(logTimeFormat))
		}
		q.str("filter", o.Filter).str("q", o.Q).int("limit", o.Limit).str("sortOrder", o.SortOrder)
	}
	return q.path("/api/v1/logs")
}

// List returns the events the options select, following next links until a
// page comes back empty (or, with Until, until there is no next link).
func (s *LogsService) List(ctx context.Context, opts *LogListOptions) iter.Seq2[*LogEvent, error] {
	return listAll[*LogEvent](ctx, s.client, opts.path(), listOptions{stopOnEmpty: true})
}
