-- Single sign-on links (docs/signin.md): an account at a partner's
-- identity provider (provider id from the sso configuration; key its
-- subject, object id or verified email, lower-cased) signs in as user_id.
CREATE TABLE user_identities (
    provider  TEXT NOT NULL,
    key       TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    linked_at TIMESTAMPTZ NOT NULL,
    linked_by TEXT NOT NULL,
    PRIMARY KEY (provider, key)
);
