-- 0007: what `juece serve` needs to know who is asking: passwords, sign-in sessions, API tokens,
-- and the answers kept for idempotency keys. Secrets are never stored: a password as its argon2id
-- hash, a session id and a token as their SHA-256.

-- A user's password (argon2id, PHC string). Setting it again ends the user's sessions.
CREATE TABLE passwords (
    name        TEXT NOT NULL PRIMARY KEY REFERENCES users (name),
    hash        TEXT NOT NULL,
    changed_at  TEXT NOT NULL
) STRICT;

-- A signed-in browser: the SHA-256 of the cookie's value, the user, the form token (CSRF) and
-- when it ends (Unix seconds).
CREATE TABLE sessions (
    id_hash     TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL REFERENCES users (name),
    csrf        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_name ON sessions (name);

-- An API token: a public id (shown by `juece token list`), the SHA-256 of the secret, the user.
CREATE TABLE tokens (
    token_id    TEXT NOT NULL PRIMARY KEY,
    name        TEXT NOT NULL REFERENCES users (name),
    secret_hash TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
) STRICT;

-- The first answer to a write made with an `Idempotency-Key`, per user, kept at least 24 hours.
CREATE TABLE idempotency (
    name        TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    status      INTEGER NOT NULL,
    body        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (name, key)
) STRICT;
