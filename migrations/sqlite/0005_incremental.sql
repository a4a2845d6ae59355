-- What incremental runs start from. sync_marks holds, per org, the
-- configuration the last successful run used, where its Okta reads began
-- by Okta's clock (the next incremental run reads what changed since, less
-- an overlap), and when the last successful full run began. sync_items
-- holds a digest of each source user, group and managed member set as
-- last applied (kind user, group or members), with the Okta id and name
-- oktasync last saw; an all-zero digest marks an item still to do.
CREATE TABLE sync_marks (
    org            TEXT    NOT NULL PRIMARY KEY,
    config_digest  TEXT    NOT NULL,
    okta_since     TEXT    NOT NULL,
    full_at        TEXT    NOT NULL,
    saved_at       TEXT    NOT NULL,
    managed_users  INTEGER NOT NULL DEFAULT 0,
    memberships    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sync_items (
    org      TEXT NOT NULL,
    kind     TEXT NOT NULL,
    item_key TEXT NOT NULL,
    okta_id  TEXT NOT NULL DEFAULT '',
    name     TEXT NOT NULL DEFAULT '',
    digest   BLOB NOT NULL,
    PRIMARY KEY (org, kind, item_key)
);

-- Which kind of run each was (full or incremental) and why.
ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT '';
