-- An SQLite state database as oktasync's first release (schema version 1,
-- 0001_init) wrote it, dumped with the sqlite3 shell's .dump: times are
-- RFC 3339 text in UTC, dry_run an integer, counts JSON text. This release
-- must open and use it as it is.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    checksum   TEXT NOT NULL,
    applied_at TEXT NOT NULL
);
INSERT INTO schema_migrations VALUES(1,'0001_init','c47ccd2d445838fb5bf1c29f618564f8b7a177441353484488b529dd03816552','2026-11-29T09:00:00.265230133Z');
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
INSERT INTO runs VALUES(1,'a.okta.example',0,'partial','2026-11-29T09:30:15.123456Z','2026-11-29T09:45:00Z','{"applied":1,"failed":1,"users.create":2}','1 operation failed','sha256:abc');
INSERT INTO runs VALUES(2,'a.okta.example',1,'running','2026-11-29T10:30:15.123456Z',NULL,'{}','','');
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
INSERT INTO operations VALUES(1,0,'create-user','jdoe@example.com','applied','','00u1','2026-11-29T09:30:16.123456Z');
INSERT INTO operations VALUES(1,1,'create-user','asmith@example.com','failed','E0000001','','2026-11-29T09:30:17.123456Z');
CREATE TABLE owned_users (
    org            TEXT NOT NULL,
    login_key      TEXT NOT NULL,
    login          TEXT NOT NULL,
    okta_id        TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    deactivated_at TEXT,
    PRIMARY KEY (org, login_key)
);
INSERT INTO owned_users VALUES('a.okta.example','jdoe@example.com','JDoe@Example.com','00u1','2026-11-29T09:30:15.123456Z',NULL);
INSERT INTO owned_users VALUES('a.okta.example','old@example.com','old@example.com','00u9','2026-11-29T09:30:15.123456Z','2026-11-29T09:31:15.123456Z');
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('runs',2);
CREATE INDEX runs_org_id ON runs (org, id);
CREATE INDEX runs_org_status ON runs (org, status);
COMMIT;
