-- 0002 (PostgreSQL): the people who record events, and their roles (mirrors 0002_users.sql).
CREATE TABLE users (
    name      TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    roles     TEXT COLLATE "C" NOT NULL,
    added_at  TEXT COLLATE "C" NOT NULL
);
