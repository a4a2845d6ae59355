-- A PostgreSQL state schema as oktasync's first release (schema version 1,
-- 0001_init) left it, from pg_dump --inserts with the schema name taken
-- out: run with the schema as the search_path. This release must open and
-- use it as it is.
CREATE TABLE locks (
    org text NOT NULL,
    holder text NOT NULL,
    acquired_at timestamp with time zone NOT NULL
);
CREATE TABLE operations (
    run_id bigint NOT NULL,
    seq integer NOT NULL,
    action text NOT NULL,
    target text NOT NULL,
    outcome text NOT NULL,
    error text DEFAULT ''::text NOT NULL,
    okta_id text DEFAULT ''::text NOT NULL,
    at timestamp with time zone NOT NULL
);
CREATE TABLE owned_users (
    org text NOT NULL,
    login_key text NOT NULL,
    login text NOT NULL,
    okta_id text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    deactivated_at timestamp with time zone
);
CREATE TABLE runs (
    id bigint NOT NULL,
    org text NOT NULL,
    dry_run boolean DEFAULT false NOT NULL,
    status text NOT NULL,
    started_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone,
    counts jsonb DEFAULT '{}'::jsonb NOT NULL,
    error text DEFAULT ''::text NOT NULL,
    config_digest text DEFAULT ''::text NOT NULL
);
ALTER TABLE runs ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME runs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);
CREATE TABLE schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);
INSERT INTO operations VALUES (1, 0, 'create-user', 'jdoe@example.com', 'applied', '', '00u1', '2026-11-29 09:30:16.123456+00');
INSERT INTO operations VALUES (1, 1, 'create-user', 'asmith@example.com', 'failed', 'E0000001', '', '2026-11-29 09:30:17.123456+00');
INSERT INTO owned_users VALUES ('a.okta.example', 'jdoe@example.com', 'JDoe@Example.com', '00u1', '2026-11-29 09:30:15.123456+00', NULL);
INSERT INTO owned_users VALUES ('a.okta.example', 'old@example.com', 'old@example.com', '00u9', '2026-11-29 09:30:15.123456+00', '2026-11-29 09:31:15.123456+00');
INSERT INTO runs OVERRIDING SYSTEM VALUE VALUES (1, 'a.okta.example', false, 'partial', '2026-11-29 09:30:15.123456+00', '2026-11-29 09:45:00+00', '{"failed": 1, "applied": 1, "users.create": 2}', '1 operation failed', 'sha256:abc');
INSERT INTO runs OVERRIDING SYSTEM VALUE VALUES (2, 'a.okta.example', true, 'running', '2026-11-29 10:30:15.123456+00', NULL, '{}', '', '');
INSERT INTO schema_migrations VALUES (1, '0001_init', '10e7f80f4139d71c0c633e46c42fb19e879fe2d259d7f646a5c1394f889b006b', '2026-11-29 09:00:00.984934+00');
SELECT pg_catalog.setval('runs_id_seq', 2, true);
ALTER TABLE ONLY locks
    ADD CONSTRAINT locks_pkey PRIMARY KEY (org);
ALTER TABLE ONLY operations
    ADD CONSTRAINT operations_pkey PRIMARY KEY (run_id, seq);
ALTER TABLE ONLY owned_users
    ADD CONSTRAINT owned_users_pkey PRIMARY KEY (org, login_key);
ALTER TABLE ONLY runs
    ADD CONSTRAINT runs_pkey PRIMARY KEY (id);
ALTER TABLE ONLY schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);
CREATE INDEX runs_org_id ON runs USING btree (org, id);
CREATE INDEX runs_org_status ON runs USING btree (org, status);
ALTER TABLE ONLY operations
    ADD CONSTRAINT operations_run_id_fkey FOREIGN KEY (run_id) REFERENCES runs(id) ON DELETE CASCADE;
