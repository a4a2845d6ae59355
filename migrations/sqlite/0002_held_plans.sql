-- Plans a safety rule held back in `oktasync serve`, waiting for a person
-- to approve them once, and whether serve's schedule is paused.
-- Timestamps are RFC 3339 text in UTC; NULL means "not set".

CREATE TABLE held_plans (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    org           TEXT    NOT NULL,
    run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    -- what each safety rule counted, e.g. {"safety.maxDeactivations": 12}
    counts        TEXT    NOT NULL DEFAULT '{}',
    deactivations INTEGER NOT NULL DEFAULT 0,
    removals      INTEGER NOT NULL DEFAULT 0,
    reason        TEXT    NOT NULL DEFAULT '',
    summary       TEXT    NOT NULL DEFAULT '',
    -- the held plan as JSON (no passwords: plans never hold them)
    plan          TEXT    NOT NULL DEFAULT '',
    status        TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    approved_by   TEXT    NOT NULL DEFAULT '',
    approved_at   TEXT,
    used_by_run   INTEGER,
    used_at       TEXT
);

CREATE INDEX held_plans_org_id ON held_plans (org, id);

CREATE TABLE schedule_pauses (
    org       TEXT PRIMARY KEY,
    paused_by TEXT NOT NULL DEFAULT '',
    paused_at TEXT NOT NULL
);
