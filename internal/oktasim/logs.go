package oktasim

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxEvents bounds the System Log kept in memory; older events are dropped.
const maxEvents = 500000

// logEvent is one System Log event.
type logEvent struct {
	seq       int64
	uuid      string
	published time.Time
	eventType string
	message   string
	actor     logEntity
	targets   []logEntity
}

type logEntity struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	AlternateID string `json:"alternateId"`
	DisplayName string `json:"displayName"`
}

func userTarget(u *user) logEntity {
	name := strings.TrimSpace(valueString(u.profile["firstName"]) + " " + valueString(u.profile["lastName"]))
	return logEntity{ID: u.id, Type: "User", AlternateID: u.login(), DisplayName: name}
}

func groupTarget(g *group) logEntity {
	return logEntity{ID: g.id, Type: "UserGroup", AlternateID: "unknown", DisplayName: g.name}
}

// emit records an event done on behalf of r's caller (the system when r is
// nil). Call with s.mu held.
func (s *Server) emit(r *http.Request, eventType, message string, targets ...logEntity) {
	actor := logEntity{ID: "0oasimulatedsystem00", Type: "SystemPrincipal", AlternateID: "system@okta.com", DisplayName: "Okta System"}
	if r != nil {
		if p := principalFrom(r.Context()); p != nil {
			actor = logEntity{ID: p.key, Type: "PublicClientApp", AlternateID: p.key, DisplayName: p.display}
		}
	}
	var seq int64 = 1
	if n := len(s.events); n > 0 {
		seq = s.events[n-1].seq + 1
	}
	if len(s.events) >= maxEvents {
		// Drop the oldest tenth at once, so that trimming stays cheap.
		s.events = append(s.events[:0:0], s.events[len(s.events)-maxEvents*9/10:]...)
	}
	s.events = append(s.events, logEvent{
		seq:       seq,
		uuid:      newUUID(),
		published: s.now(),
		eventType: eventType,
		message:   message,
		actor:     actor,
		targets:   targets,
	})
}

// newUUID returns a random version-4 UUID.
func newUUID() string {
	const hex = "0123456789abcdef"
	b := []byte(randomHex(32))
	b[12] = '4'
	b[16] = hex[8+strings.IndexByte(hex, b[16])%4]
	return string(b[0:8]) + "-" + string(b[8:12]) + "-" + string(b[12:16]) + "-" + string(b[16:20]) + "-" + string(b[20:32])
}

func randomHex(n int) string {
	const hex = "0123456789abcdef"
	id := randomID(n)
	out := make([]byte, n)
	for i := range out {
		out[i] = hex[strings.IndexByte(idAlphabet, id[i])%16]
	}
	return string(out)
}

// logEventJSON is Okta's LogEvent object (the parts the simulator fills).
type logEventJSON struct {
	UUID           string         `json:"uuid"`
	Published      string         `json:"published"`
	EventType      string         `json:"eventType"`
	Version        string         `json:"version"`
	Severity       string         `json:"severity"`
	DisplayMessage string         `json:"displayMessage"`
	Actor          logEntity      `json:"actor"`
	Outcome        map[string]any `json:"outcome"`
	Target         []logEntity    `json:"target"`
	Transaction    map[string]any `json:"transaction"`
	DebugContext   map[string]any `json:"debugContext"`
}

func renderEvent(e *logEvent) logEventJSON {
	targets := e.targets
	if targets == nil {
		targets = []logEntity{}
	}
	return logEventJSON{
		UUID:           e.uuid,
		Published:      fmtTime(e.published),
		EventType:      e.eventType,
		Version:        "0",
		Severity:       "INFO",
		DisplayMessage: e.message,
		Actor:          e.actor,
		Outcome:        map[string]any{"result": "SUCCESS"},
		Target:         targets,
		Transaction:    map[string]any{"type": "WEB", "id": "sim" + strconv.FormatInt(e.seq, 10), "detail": map[string]any{}},
		DebugContext:   map[string]any{"debugData": map[string]any{}},
	}
}

// eventGetter exposes an event's fields to filter expressions.
func eventGetter(e *logEvent) getter {
	entity := func(x logEntity, field string) (any, bool) {
		switch field {
		case "id":
			return x.ID, true
		case "type":
			return x.Type, true
		case "alternateId":
			return x.AlternateID, true
		case "displayName":
			return x.DisplayName, true
		}
		return nil, false
	}
	return func(attr string) ([]any, bool) {
		switch attr {
		case "eventType":
			return []any{e.eventType}, true
		case "uuid":
			return []any{e.uuid}, true
		case "published":
			return []any{fmtTime(e.published)}, true
		case "severity":
			return []any{"INFO"}, true
		case "displayMessage":
			return []any{e.message}, true
		case "outcome.result":
			return []any{"SUCCESS"}, true
		}
		if f, ok := strings.CutPrefix(attr, "actor."); ok {
			v, ok := entity(e.actor, f)
			if !ok {
				return nil, false
			}
			return []any{v}, true
		}
		if f, ok := strings.CutPrefix(attr, "target."); ok {
			var out []any
			for _, t := range e.targets {
				if v, ok := entity(t, f); ok {
					out = append(out, v)
				}
			}
			return out, len(out) > 0
		}
		return nil, false
	}
}

// parseLogTime reads a since or until parameter.
func parseLogTime(v string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, v)
}

// logQuery is a parsed System Log request.
type logQuery struct {
	since, until time.Time // until zero: none
	polling      bool      // no until and ascending: the next link never ends
	filter       expr
	keywords     []string
	limit        int
	desc         bool
	after        int64 // -1: from the start
}

// parseLogQuery reads the parameters of a System Log request; on a bad one
// it answers 400 and returns false.
func parseLogQuery(w http.ResponseWriter, r *http.Request, now time.Time) (logQuery, bool) {
	q := r.URL.Query()
	lq := logQuery{since: now.Add(-7 * 24 * time.Hour), polling: true, after: -1}
	if v := q.Get("since"); v != "" {
		t, err := parseLogTime(v)
		if err != nil {
			validationFailed(w, r, "since", "since: must be an ISO 8601 timestamp such as 2026-01-02T15:04:05.000Z")
			return lq, false
		}
		lq.since = t
	}
	if v := q.Get("until"); v != "" {
		t, err := parseLogTime(v)
		if err != nil {
			validationFailed(w, r, "until", "until: must be an ISO 8601 timestamp such as 2026-01-02T15:04:05.000Z")
			return lq, false
		}
		lq.until, lq.polling = t, false
	}
	if v := q.Get("filter"); v != "" {
		var err error
		if lq.filter, err = compile(v, logFilterRules); err != nil {
			invalidSearch(w, r, "filter: "+err.Error())
			return lq, false
		}
	}
	lq.keywords = strings.Fields(strings.ToLower(q.Get("q")))
	var ok bool
	if lq.limit, ok = pageLimit(w, r, 100, 1000); !ok {
		return lq, false
	}
	lq.desc = strings.EqualFold(q.Get("sortOrder"), "DESCENDING")
	if lq.desc {
		lq.polling = false
	}
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			validationFailed(w, r, "after", "after: not a cursor this org issued")
			return lq, false
		}
		lq.after = n
	}
	return lq, true
}

// match reports whether an event answers the query.
func (lq *logQuery) match(e *logEvent) bool {
	if e.published.Before(lq.since) || (!lq.until.IsZero() && !e.published.Before(lq.until)) {
		return false
	}
	if lq.filter != nil && !lq.filter.eval(eventGetter(e), foldNone) {
		return false
	}
	if len(lq.keywords) > 0 {
		text := strings.ToLower(e.eventType + " " + e.message + " " + e.actor.DisplayName + " " + e.actor.AlternateID)
		for _, t := range e.targets {
			text += " " + strings.ToLower(t.ID+" "+t.AlternateID+" "+t.DisplayName)
		}
		for _, k := range lq.keywords {
			if !strings.Contains(text, k) {
				return false
			}
		}
	}
	return true
}

// page returns one page of events and the next cursor ("" for none).
func (lq *logQuery) page(evs []logEvent) ([]logEventJSON, string) {
	var (
		page    []logEventJSON
		next    string
		lastSeq int64 = -1
	)
	// take adds e to the page; it reports false when the page is full.
	take := func(e *logEvent) bool {
		if !lq.match(e) {
			return true
		}
		if len(page) == lq.limit {
			next = strconv.FormatInt(lastSeq, 10)
			return false
		}
		page = append(page, renderEvent(e))
		lastSeq = e.seq
		return true
	}
	if lq.desc {
		i := len(evs) - 1
		if lq.after >= 0 {
			i = sort.Search(len(evs), func(i int) bool { return evs[i].seq >= lq.after }) - 1
		}
		for ; i >= 0 && take(&evs[i]); i-- {
		}
		return page, next
	}
	i := sort.Search(len(evs), func(i int) bool { return evs[i].seq > lq.after })
	for ; i < len(evs) && take(&evs[i]); i++ {
	}
	if next == "" && lq.polling {
		// A polling query always offers a next link: the position after
		// everything seen so far.
		pos := lq.after
		if len(evs) > 0 {
			pos = max(pos, evs[len(evs)-1].seq)
		}
		next = strconv.FormatInt(max(pos, 0), 10)
	}
	return page, next
}

func (s *Server) handleLogs(w http.ResponseWriter, r *http.Request) {
	lq, ok := parseLogQuery(w, r, s.now())
	if !ok {
		return
	}
	s.lock()
	page, next := lq.page(s.events)
	s.mu.Unlock()
	writeLinks(w, r, next)
	writeJSON(w, http.StatusOK, nonNil(page))
}
