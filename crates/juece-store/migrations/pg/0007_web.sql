-- 0007 (PostgreSQL): passwords, sessions, API tokens and idempotency answers (mirrors 0007).
CREATE TABLE passwords (
    name        TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES users (name),
    hash        TEXT COLLATE "C" NOT NULL,
    changed_at  TEXT COLLATE "C" NOT NULL
);

CREATE TABLE sessions (
    id_hash     TEXT COLLATE "C"   NOT NULL PRIMARY KEY,
    name        TEXT COLLATE "C"   NOT NULL REFERENCES users (name),
    csrf        TEXT COLLATE "C"   NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_by_name ON sessions (name);

CREATE TABLE tokens (
    token_id    TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name        TEXT COLLATE "C" NOT NULL REFERENCES users (name),
    secret_hash TEXT COLLATE "C" NOT NULL,
    created_at  TEXT COLLATE "C" NOT NULL,
    revoked_at  TEXT COLLATE "C"
);

CREATE TABLE idempotency (
    name        TEXT COLLATE "C"    NOT NULL,
    key         TEXT COLLATE "C"    NOT NULL,
    status      INTEGER NOT NULL,
    body        TEXT COLLATE "C"    NOT NULL,
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (name, key)
);
