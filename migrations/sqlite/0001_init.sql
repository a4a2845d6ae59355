-- Runs, operation checkpoints and the users oktasync created.
-- Timestamps are RFC 3339 text in UTC; NULL means "not set".

CREATE TABLE runs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    org           TEXT    NOT NULL,
    dry_run       INTEGER NOT NULL DEFAULT 0,
    status        TEXT    NOT NULL,
    started_at    TEXT    NOT NULL,
    finished_at   TEXT,
    counts        TEXT    NOT NULL DEFAULT '{}',
    error         TEXT    NOT NULL DEFAULT '',
    config_digest TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX runs_org_id ON runs (org, id);
CREATE INDEX runs_org_status ON runs (org, status);

CREATE TABLE operations (
    run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    action  TEXT    NOT NULL,
    target  TEXT    NOT NULL,
    outcome TEXT    NOT NULL,
    error   TEXT    NOT NULL DEFAULT '',
    okta_id TEXT    NOT NULL DEFAULT '',
    at      TEXT    NOT NULL,
    PRIMARY KEY (run_id, seq)
);

CREATE TABLE owned_users (
    org            TEXT NOT NULL,
    login_key      TEXT NOT NULL,
    login          TEXT NOT NULL,
    okta_id        TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    deactivated_at TEXT,
    PRIMARY KEY (org, login_key)
);
