-- Single sign-on links: an account at a partner's identity provider
-- (provider id from the sso configuration; key the provider's subject or
-- a verified email address, lower-cased) signs in as user_id.
CREATE TABLE user_identities (
    provider  VARCHAR NOT NULL,
    key       VARCHAR NOT NULL,
    user_id   VARCHAR NOT NULL,
    linked_at TIMESTAMP NOT NULL,
    linked_by VARCHAR NOT NULL,
    PRIMARY KEY (provider, key)
);
