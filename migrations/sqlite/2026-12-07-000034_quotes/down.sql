DROP TABLE quotes;
ALTER TABLE statuses DROP COLUMN quote_policy;
