-- 0005: the records chain — everything besides events that changes what the audit finds
-- (stored profiles, user and role changes, stored calendars), hash-chained like the events and
-- covered by checkpoints (docs/log-format.md, "Records"). Existing profiles and users are entered
-- by the program right after this runs, in the same transaction.
CREATE TABLE records (
    seq         INTEGER PRIMARY KEY,   -- 1, 2, 3, … the order of appends
    kind        TEXT    NOT NULL,      -- 'profile' | 'user' | 'calendar'
    key         TEXT    NOT NULL,      -- 'id@version' | the user's name | the calendar's name
    canonical   BLOB    NOT NULL,      -- {"body":…,"key":…,"kind":…,"seq":…}, canonical JSON
    leaf_hash   BLOB    NOT NULL,      -- SHA-256(0x00 ‖ canonical)
    chain_hash  BLOB    NOT NULL       -- SHA-256(0x01 ‖ previous chain_hash ‖ leaf_hash)
) STRICT;

CREATE INDEX records_by_kind ON records (kind, key);

CREATE TRIGGER records_are_never_updated BEFORE UPDATE ON records
BEGIN
    SELECT RAISE(ABORT, 'records are append-only: a record is never updated');
END;
CREATE TRIGGER records_are_never_deleted BEFORE DELETE ON records
BEGIN
    SELECT RAISE(ABORT, 'records are append-only: a record is never deleted');
END;
