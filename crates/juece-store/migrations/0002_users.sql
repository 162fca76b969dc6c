-- 0002: the people who record events, and their roles.

-- A person known to this database. `roles` is a JSON array of role ids (procedure.md, "Roles").
-- Events keep the actor's name and the role they acted in, so a later change here never
-- rewrites history.
CREATE TABLE users (
    name      TEXT NOT NULL PRIMARY KEY,
    roles     TEXT NOT NULL,
    added_at  TEXT NOT NULL
) STRICT;
