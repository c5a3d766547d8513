-- Signed-in browsers of the web app, so that restarting `civiclink serve`
-- keeps everyone signed in. The cookie's token is never stored: only its
-- SHA-256 (hex), which is what a lookup compares. The CSRF token is the
-- synchronizer token pages send back; it is no credential on its own.
-- last_seen is written at most about once a minute per session; a session
-- ends when it has been idle too long (the server's idle limit, compared
-- with last_seen) or at expires_at, whichever comes first.
CREATE TABLE web_sessions (
    token_hash VARCHAR PRIMARY KEY,
    user_id    VARCHAR NOT NULL,
    csrf       VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen  TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
