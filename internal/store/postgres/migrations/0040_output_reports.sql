-- An output may be a report of many figures (the programme's report to the
-- Assembly): its kind, its content as JSON, and its reads by purpose.
ALTER TABLE outputs ADD COLUMN kind TEXT NOT NULL DEFAULT 'table';
ALTER TABLE outputs ADD COLUMN document TEXT;
ALTER TABLE outputs ADD COLUMN scopes TEXT;

-- A released output never changes and is never removed: the database
-- refuses it whatever the caller.
CREATE FUNCTION outputs_released_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'released' THEN
        RAISE EXCEPTION 'output % is released: it cannot change; draft a new version', OLD.id;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER outputs_released_immutable BEFORE UPDATE OR DELETE ON outputs
    FOR EACH ROW EXECUTE FUNCTION outputs_released_immutable();
