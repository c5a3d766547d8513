-- Second factors (TOTP, RFC 6238) of local accounts. secret is the
-- base32 TOTP secret; recovery the JSON array of SHA-256 hashes of unused
-- recovery codes; confirmed_at is NULL while an enrolment is pending;
-- last_step is the last 30-second step whose code was accepted (a code
-- is never accepted twice).
CREATE TABLE user_mfa (
    user_id      VARCHAR PRIMARY KEY,
    secret       VARCHAR NOT NULL,
    recovery     VARCHAR NOT NULL,
    confirmed_at TIMESTAMP,
    last_step    BIGINT NOT NULL
);
