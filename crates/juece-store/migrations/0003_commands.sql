-- 0003: command ids, so that a script can retry a write safely.

-- A write made with `juece record --command-id ID`: a retry with the same id writes nothing and
-- reports the events the first attempt wrote. Written in the same transaction as the events.
CREATE TABLE commands (
    command_id  TEXT    NOT NULL PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases (case_id),
    first_seq   INTEGER NOT NULL,
    count       INTEGER NOT NULL
) STRICT;
