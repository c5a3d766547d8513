-- A release key joins a cell's keys with NUL, which TEXT cannot hold:
-- keep keys as bytes.
ALTER TABLE released_digests ALTER COLUMN key TYPE BYTEA USING convert_to(key, 'UTF8');
