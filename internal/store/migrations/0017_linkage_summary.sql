-- A linkage run's summary (match-weight histogram, the model's precision
-- and recall estimate, links between datasets) is part of the stored run
-- since issue #16: its quality's "summary". Runs the web started before
-- kept theirs as a store fact web.linkage-summary/<run id>, which moves
-- into the run here.
UPDATE linkage_runs
SET quality_json = CAST(json_merge_patch(quality_json, json_object('summary', json(m.value))) AS VARCHAR)
FROM store_meta m
WHERE m.key = 'web.linkage-summary/' || CAST(linkage_runs.id AS VARCHAR);

DELETE FROM store_meta WHERE key LIKE 'web.linkage-summary/%';
