-- 0004 (PostgreSQL): indexes for the auditor's listings (mirrors 0004).
CREATE INDEX case_projection_skipped ON case_projection (case_id) WHERE has_skipped;
CREATE INDEX case_projection_overridden ON case_projection (case_id) WHERE has_override;
