-- The rate-limit shares the Okta client learned for one credential: per
-- bucket, the fraction of X-Rate-Limit-Limit the token may spend, kept so
-- that the next run starts at the right ceiling without a 429. token_share
-- is the configured okta.rateLimit.tokenShare the share was learned under.
CREATE TABLE rate_shares (
    org         TEXT             NOT NULL,
    credential  TEXT             NOT NULL,
    bucket      TEXT             NOT NULL,
    share       DOUBLE PRECISION NOT NULL,
    token_share DOUBLE PRECISION NOT NULL,
    learned_at  TIMESTAMPTZ      NOT NULL,
    PRIMARY KEY (org, credential, bucket)
);
