-- The manager link (Okta Linked Objects, the primary of a relationship such
-- as manager) oktasync last set or read for a user of an org, by Okta ids.
-- A run reads a user's link from Okta only when the source asks for a
-- manager other than the one recorded here.
CREATE TABLE manager_links (
    org        TEXT        NOT NULL,
    user_id    TEXT        NOT NULL,
    manager_id TEXT        NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org, user_id)
);
