-- 0008 (PostgreSQL): offices (mirrors 0008_organs.sql). A user belongs to the organs whose
-- cases they see and write: `organs` is a JSON array of normalized organ names; empty means
-- every organ. Each change is chained in `records` with the roles.
ALTER TABLE users ADD COLUMN organs TEXT COLLATE "C" NOT NULL DEFAULT '[]';
