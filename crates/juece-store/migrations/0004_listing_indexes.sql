-- 0004: indexes for the auditor's listings.

-- `case list --skipped` and `--overridden` read only the flagged cases (a few percent).
CREATE INDEX case_projection_skipped ON case_projection (case_id) WHERE has_skipped = 1;
CREATE INDEX case_projection_overridden ON case_projection (case_id) WHERE has_override = 1;
