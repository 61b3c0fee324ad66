ALTER TABLE users DROP COLUMN default_local_only;
ALTER TABLE statuses DROP COLUMN local_only;
