-- Failed sign-ins of the web app, kept so that restarting `civiclink
-- serve` does not unlock an account under attack. A row is written when
-- an attempt starts (before its password is checked) and removed again if
-- the check never ran; a successful sign-in removes the account's rows.
-- account is the user id as typed, which need not be a user.
CREATE TABLE signin_failures (
    account   VARCHAR NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
