-- 0006: decision catalogues (决策事项目录, `juece-catalogue/1`) and the link from a case to one
-- of their items.

-- Every version of every catalogue, one row per import: a later document for the same organ and
-- year is a new version (1, 2, 3, … with no gaps); earlier versions are kept. Append-only and
-- hash-chained like `events` (docs/log-format.md), in a chain of their own:
-- `canonical` = canonical JSON of {"catalogue": DOC, "imported_at": RFC 3339, "version": N},
-- `leaf_hash` = SHA-256(0x00 ‖ canonical), `chain_hash` = SHA-256(0x01 ‖ previous chain_hash ‖
-- leaf_hash) in the order of `catalogue_row` (32 zero bytes before the first).
CREATE TABLE catalogue_versions (
    catalogue_row  INTEGER PRIMARY KEY,
    organ          TEXT    NOT NULL,
    year           INTEGER NOT NULL,
    version        INTEGER NOT NULL,
    canonical      BLOB    NOT NULL,
    leaf_hash      BLOB    NOT NULL,
    chain_hash     BLOB    NOT NULL,
    UNIQUE (organ, year, version)
) STRICT;

CREATE TRIGGER catalogue_versions_are_never_updated BEFORE UPDATE ON catalogue_versions
BEGIN
    SELECT RAISE(ABORT, 'catalogue versions are append-only: a version is never updated');
END;
CREATE TRIGGER catalogue_versions_are_never_deleted BEFORE DELETE ON catalogue_versions
BEGIN
    SELECT RAISE(ABORT, 'catalogue versions are append-only: a version is never deleted');
END;

-- The catalogue item a case implements (`juece-cases/2` header field `catalogue`), as the JSON
-- object {"organ", "year", "item"}, or NULL.
ALTER TABLE cases ADD COLUMN catalogue TEXT;
