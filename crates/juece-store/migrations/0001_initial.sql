-- 0001: profiles, cases, the append-only event log and the case projection.

-- Every workflow profile a case was opened under, by id and version, with the exact JSON it was
-- loaded from: a case stays pinned to its version even after the shipped profile changes.
CREATE TABLE profiles (
    id       TEXT    NOT NULL,
    version  INTEGER NOT NULL,
    content  TEXT    NOT NULL,
    PRIMARY KEY (id, version)
) STRICT;

-- One row per decision case: its identity and attributes. The history is in `events`.
CREATE TABLE cases (
    case_id           INTEGER PRIMARY KEY,
    ref               TEXT    NOT NULL UNIQUE,
    title             TEXT    NOT NULL,
    organ             TEXT    NOT NULL,
    undertaking_unit  TEXT    NOT NULL,
    category          TEXT    NOT NULL,
    profile_id        TEXT    NOT NULL,
    profile_version   INTEGER NOT NULL,
    attributes        TEXT    NOT NULL, -- JSON object of the five flags
    FOREIGN KEY (profile_id, profile_version) REFERENCES profiles (id, version)
) STRICT;

-- The history: append-only and hash-chained (docs/log-format.md, `juece-log/1`). `event_id` is
-- the global order of appends, `seq` the order within a case (0, 1, 2, … with no gaps).
-- `canonical` holds the exact bytes that were hashed: the event as `juece export` writes it,
-- with its case and sequence (and, for seq 0, the case header) in canonical JSON.
-- `leaf_hash` = SHA-256(0x00 ‖ canonical); `chain_hash` = SHA-256(0x01 ‖ previous chain_hash ‖
-- leaf_hash), so each row commits to every row before it.
CREATE TABLE events (
    event_id    INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases (case_id),
    seq         INTEGER NOT NULL,
    canonical   BLOB    NOT NULL,
    leaf_hash   BLOB    NOT NULL,
    chain_hash  BLOB    NOT NULL,
    UNIQUE (case_id, seq)
) STRICT;

-- The program never changes or removes an event; these make SQLite refuse it too.
CREATE TRIGGER events_are_never_updated BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: an event is never updated');
END;
CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: an event is never deleted');
END;

-- A projection of each case's history for listing without replaying it, refreshed in the same
-- transaction as every append. It is derived data: `events` is the truth.
CREATE TABLE case_projection (
    case_id       INTEGER PRIMARY KEY REFERENCES cases (case_id),
    status        TEXT    NOT NULL,
    last_seq      INTEGER NOT NULL,
    last_at       TEXT    NOT NULL,
    has_skipped   INTEGER NOT NULL,
    has_override  INTEGER NOT NULL,
    violations    INTEGER NOT NULL,
    warnings      INTEGER NOT NULL
) STRICT;

-- `case list --status`: a query by status.
CREATE INDEX case_projection_by_status ON case_projection (status);
