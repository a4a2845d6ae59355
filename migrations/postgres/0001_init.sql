-- Runs, operation checkpoints, the users oktasync created, and who holds
-- each org's run lock. Statements are unqualified: they run with the
-- store's schema as the search_path.

CREATE TABLE runs (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org           TEXT        NOT NULL,
    dry_run       BOOLEAN     NOT NULL DEFAULT FALSE,
    status        TEXT        NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    counts        JSONB       NOT NULL DEFAULT '{}',
    error         TEXT        NOT NULL DEFAULT '',
    config_digest TEXT        NOT NULL DEFAULT ''
);

CREATE INDEX runs_org_id ON runs (org, id);
CREATE INDEX runs_org_status ON runs (org, status);

CREATE TABLE operations (
    run_id  BIGINT      NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq     INTEGER     NOT NULL,
    action  TEXT        NOT NULL,
    target  TEXT        NOT NULL,
    outcome TEXT        NOT NULL,
    error   TEXT        NOT NULL DEFAULT '',
    okta_id TEXT        NOT NULL DEFAULT '',
    at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, seq)
);

CREATE TABLE owned_users (
    org            TEXT        NOT NULL,
    login_key      TEXT        NOT NULL,
    login          TEXT        NOT NULL,
    okta_id        TEXT        NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    deactivated_at TIMESTAMPTZ,
    PRIMARY KEY (org, login_key)
);

CREATE TABLE locks (
    org         TEXT        PRIMARY KEY,
    holder      TEXT        NOT NULL,
    acquired_at TIMESTAMPTZ NOT NULL
);
