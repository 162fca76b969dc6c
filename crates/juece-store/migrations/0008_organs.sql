-- 0008: offices. A user belongs to the organs whose cases they see and write (issue 14):
-- `organs` is a JSON array of organ names, in the normalized form of the cases' `organ` field;
-- empty means every organ (a single office needs none). Each change is chained in `records`
-- with the roles (a user record's body gains `"organs"` when there are any).
ALTER TABLE users ADD COLUMN organs TEXT NOT NULL DEFAULT '[]';
