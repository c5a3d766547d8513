-- Privacy budgets: each dataset's total (ε, δ), what has been spent, and
-- every spend. The running totals live on the budget row so that a spend
-- is one conditional UPDATE: concurrent spends conflict on that row rather
-- than each reading the old sum and overspending together.
CREATE TABLE privacy_budgets (
    dataset_id    VARCHAR PRIMARY KEY,
    epsilon_total DOUBLE NOT NULL,
    delta_total   DOUBLE NOT NULL,
    epsilon_spent DOUBLE NOT NULL DEFAULT 0,
    delta_spent   DOUBLE NOT NULL DEFAULT 0,
    updated_at    TIMESTAMP NOT NULL
);

CREATE SEQUENCE privacy_spend_ids START 1;

CREATE TABLE privacy_spends (
    id         BIGINT PRIMARY KEY DEFAULT nextval('privacy_spend_ids'),
    dataset_id VARCHAR NOT NULL,
    epsilon    DOUBLE NOT NULL,
    delta      DOUBLE NOT NULL,
    query      VARCHAR NOT NULL,
    spent_by   VARCHAR NOT NULL,
    spent_at   TIMESTAMP NOT NULL
);
