-- 0005 (PostgreSQL): the records chain (mirrors 0005_records.sql). A PostgreSQL database starts
-- at the current schema, so there are no earlier profiles or users to enter.
CREATE TABLE records (
    seq         BIGINT PRIMARY KEY,
    kind        TEXT COLLATE "C"   NOT NULL,
    key         TEXT COLLATE "C"   NOT NULL,
    canonical   BYTEA  NOT NULL,
    leaf_hash   BYTEA  NOT NULL,
    chain_hash  BYTEA  NOT NULL
);

CREATE INDEX records_by_kind ON records (kind, key);

CREATE TRIGGER records_are_append_only BEFORE UPDATE OR DELETE ON records
    FOR EACH ROW EXECUTE FUNCTION juece_refuse_change();
CREATE TRIGGER records_are_never_truncated BEFORE TRUNCATE ON records
    FOR EACH STATEMENT EXECUTE FUNCTION juece_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON records FROM PUBLIC, CURRENT_USER;
