-- 0003 (PostgreSQL): command ids, so that a script can retry a write safely (mirrors 0003).
CREATE TABLE commands (
    command_id  TEXT COLLATE "C"   NOT NULL PRIMARY KEY,
    case_id     BIGINT NOT NULL REFERENCES cases (case_id),
    first_seq   BIGINT NOT NULL,
    count       BIGINT NOT NULL
);
