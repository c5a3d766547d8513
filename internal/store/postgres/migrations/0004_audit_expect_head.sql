-- Group commit's check (internal/store/postgres/audit_group.go). A process
-- that wrote the log's latest signed head keeps the tree's right edge in
-- memory and sends its next group in one round trip: BEGIN, the log's
-- advisory lock, this check, the inserts, COMMIT. When another process
-- appended meanwhile (or the head was changed), the check raises CL001, the
-- transaction rolls back, and the group is written again on the edge read
-- back from the tables and checked against the head.
CREATE FUNCTION civiclink_audit_expect_head(want_size BIGINT, want_root BYTEA) RETURNS VOID
LANGUAGE plpgsql AS $$
DECLARE
    got_size BIGINT;
    got_root BYTEA;
BEGIN
    SELECT size, root INTO got_size, got_root FROM audit_heads ORDER BY size DESC LIMIT 1;
    IF coalesce(got_size, 0) <> want_size OR (want_size > 0 AND got_root IS DISTINCT FROM want_root) THEN
        RAISE EXCEPTION 'the audit log''s latest signed head is at size %, not % as this process last wrote it', coalesce(got_size, 0), want_size
            USING ERRCODE = 'CL001';
    END IF;
END $$;
