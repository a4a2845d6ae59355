-- The app assignments oktasync made, or that the config named, in an org:
-- only these are ever removed (when the config no longer asks for them).
-- kind is 'group' or 'user'; target_id is the group's or the user's Okta
-- id; app_label and target_name are as they were when last recorded, for
-- messages.
CREATE TABLE app_assignments (
    org              TEXT NOT NULL,
    app_id           TEXT NOT NULL,
    kind             TEXT NOT NULL,
    target_id        TEXT NOT NULL,
    app_label        TEXT NOT NULL,
    target_name      TEXT NOT NULL,
    first_recorded_at TEXT NOT NULL,
    PRIMARY KEY (org, app_id, kind, target_id)
);
