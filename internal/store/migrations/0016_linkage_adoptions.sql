-- Which linkage run is the partnership's current one. A new run is a
-- draft until a linkage steward (or the data owners of its datasets)
-- adopts it; cohorts, indicators, theme pages and safeguarding lists read
-- the current run: the run of the latest row here. A rollback is a row
-- too (action 'rollback', run_id the run current again). The first run a
-- store ever holds is adopted as it is written (action 'first').
CREATE TABLE linkage_adoptions (
    seq     BIGINT PRIMARY KEY,
    run_id  BIGINT NOT NULL,
    action  VARCHAR NOT NULL,
    by_user VARCHAR NOT NULL,
    at_time TIMESTAMP NOT NULL,
    note    VARCHAR NOT NULL
);
-- A store that already has runs keeps its latest as the current one.
INSERT INTO linkage_adoptions
SELECT 1, max(id), 'first', 'migration', current_timestamp, 'the latest run when adoption began'
FROM linkage_runs HAVING count(*) > 0;
