-- Approvals of a draft linkage run by the data owners of its datasets
-- (issue #15 item 4). When no linkage steward adopts a run, it becomes
-- the partnership's current run once a data owner of every partner whose
-- dataset is in it has approved it. An approval is given against the
-- adoption history as it stood (base: the seq of the latest adoption, 0
-- for none): if the current run changes, the comparison the owners
-- approved is stale and their approvals no longer count.
CREATE TABLE linkage_approvals (
    run_id     BIGINT NOT NULL,
    partner_id VARCHAR NOT NULL,
    base       BIGINT NOT NULL,
    by_user    VARCHAR NOT NULL,
    at_time    TIMESTAMP NOT NULL,
    note       VARCHAR NOT NULL,
    PRIMARY KEY (run_id, partner_id, base)
);
