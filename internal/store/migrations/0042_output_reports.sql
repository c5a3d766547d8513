-- An output may be a report of many figures (the programme's report to the
-- Assembly): its kind, its content as JSON, and its reads by purpose.
ALTER TABLE outputs ADD COLUMN kind VARCHAR DEFAULT 'table';
ALTER TABLE outputs ADD COLUMN document VARCHAR;
ALTER TABLE outputs ADD COLUMN scopes VARCHAR;
