-- The groups oktasync created or managed in an org, by Okta id: a group
-- that leaves the source (or is renamed there) stays managed, so that its
-- memberships are removed rather than left in place for good. name is the
-- group's name when oktasync last managed it.
CREATE TABLE managed_groups (
    org              TEXT NOT NULL,
    group_id         TEXT NOT NULL,
    name             TEXT NOT NULL,
    first_managed_at TEXT NOT NULL,
    PRIMARY KEY (org, group_id)
);
