-- The leavers oktasync suspended in an org under users.leaverGrace, with
-- when: such a leaver is deactivated once the grace period has passed and
-- it is still absent from the source, and unsuspended if it returns
-- within it.
CREATE TABLE leaver_suspensions (
    org          TEXT NOT NULL,
    login_key    TEXT NOT NULL,
    login        TEXT NOT NULL,
    okta_id      TEXT NOT NULL,
    suspended_at TEXT NOT NULL,
    PRIMARY KEY (org, login_key)
);
